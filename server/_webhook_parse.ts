/**
 * Parsing a webhook body: one JSON object, a JSON array of objects, or
 * JSON Lines (one object per line). The format comes from the content
 * type when it says so, else from the body itself. Every record must be a
 * JSON object; anything else rejects the whole request.
 *
 * @module
 */

/** A parsed body, or why it was refused (with the HTTP status to answer). */
export type ParseResult =
  | { ok: true; records: Record<string, unknown>[] }
  | { ok: false; status: 400 | 415; error: string };

const JSON_TYPES = new Set(["application/json", "text/json"]);
const JSONL_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
  "application/jsonlines",
  "application/json-lines",
  "application/json-seq",
]);
const SNIFF_TYPES = new Set(["", "text/plain", "application/octet-stream"]);

const HINT =
  "send one JSON object, a JSON array of objects, or JSON Lines (one object per line)";

/** The media type of a `Content-Type` header, lower case, without parameters. */
export function mediaType(header: string | undefined | null): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  const t = typeof v;
  return t === "object" ? "an object" : `a ${t}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(error: string, status: 400 | 415 = 400): ParseResult {
  return { ok: false, status, error };
}

function fromJson(value: unknown): ParseResult {
  if (isRecord(value)) return { ok: true, records: [value] };
  if (!Array.isArray(value)) {
    return fail(`The body is ${kindOf(value)}: ${HINT}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!isRecord(value[i])) {
      return fail(
        `Item ${i + 1} of the array is ${
          kindOf(value[i])
        }: every record must be a JSON object; nothing was written`,
      );
    }
  }
  return { ok: true, records: value as Record<string, unknown>[] };
}

function fromLines(text: string): ParseResult {
  const records: Record<string, unknown>[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      return fail(
        `Line ${i + 1} is not valid JSON (${
          (err as Error).message
        }): in JSON Lines every line holds one JSON object; nothing was written`,
      );
    }
    if (!isRecord(v)) {
      return fail(
        `Line ${i + 1} is ${
          kindOf(v)
        }: in JSON Lines every line holds one JSON object; nothing was written`,
      );
    }
    records.push(v);
  }
  return { ok: true, records };
}

/** Parses a webhook body; see the module doc. */
export function parseWebhookBody(
  text: string,
  contentType: string | undefined | null,
): ParseResult {
  const type = mediaType(contentType);
  const isJson = JSON_TYPES.has(type) || /\+json$/.test(type);
  const isLines = JSONL_TYPES.has(type);
  if (!isJson && !isLines && !SNIFF_TYPES.has(type)) {
    return fail(
      `Content type "${type}" is not accepted: ${HINT}, as application/json or application/x-ndjson`,
      415,
    );
  }
  if (text.trim() === "") return fail(`The body is empty: ${HINT}`);
  if (isLines) return fromLines(text);
  try {
    return fromJson(JSON.parse(text));
  } catch (err) {
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    if (lines.length > 1) {
      // Several lines that are not one JSON document: JSON Lines.
      return fromLines(text);
    }
    return fail(
      `The body is not valid JSON (${(err as Error).message}): ${HINT}`,
    );
  }
}
