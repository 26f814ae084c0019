/**
 * Parsing a webhook body: one JSON object, a JSON array of objects, or
 * JSON Lines (one object per line). The format comes from the content
 * type when it says so, else from the body itself. Every record must be a
 * JSON object that both stores can keep as it is (UTF-8 text, no lone
 * surrogates, finite numbers, at most 64 levels deep: `MAX_JSON_DEPTH`);
 * anything else rejects the whole request.
 *
 * @module
 */

import { jsonProblem } from "../../core/schema/json.ts";

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

/** Where the first byte that is not UTF-8 sits in `bytes`, or -1 when all of it is UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80
      ? 1
      : b >= 0xc2 && b <= 0xdf
      ? 2
      : b >= 0xe0 && b <= 0xef
      ? 3
      : b >= 0xf0 && b <= 0xf4
      ? 4
      : 0;
    if (len === 0 || i + len > bytes.length) return i;
    for (let k = 1; k < len; k++) {
      if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    const b1 = bytes[i + 1]!;
    // Overlong forms, surrogates (ED A0..BF) and code points past U+10FFFF.
    if (
      (b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) ||
      (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)
    ) return i;
    i += len;
  }
  return -1;
}

/** Decodes a body as UTF-8, refusing (not replacing) bytes that are not. */
export function decodeBody(
  bytes: Uint8Array,
): { text: string } | { error: string } {
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return { text: new TextDecoder().decode(bytes) };
  return {
    error: `The body is not valid UTF-8 (byte ${
      bad + 1
    } of ${bytes.length}, 0x${
      bytes[bad]!.toString(16).padStart(2, "0")
    }): send JSON encoded as UTF-8; nothing was written`,
  };
}

/** Refuses records that are not JSON both stores keep as they are. */
function checkRecords(result: ParseResult): ParseResult {
  if (!result.ok) return result;
  for (let i = 0; i < result.records.length; i++) {
    const problem = jsonProblem(result.records[i]);
    if (problem === undefined) continue;
    const hint = /Infinity/.test(problem)
      ? " (a literal such as 1e400 is out of range)"
      : "";
    return fail(
      `${
        result.records.length === 1 ? "The record" : `Record ${i + 1}`
      } is not accepted: ${problem}${hint}; nothing was written`,
    );
  }
  return result;
}

/** Parses a webhook body; see the module doc. */
export function parseWebhookBody(
  text: string,
  contentType: string | undefined | null,
): ParseResult {
  return checkRecords(parseRecords(text, contentType));
}

function parseRecords(
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
