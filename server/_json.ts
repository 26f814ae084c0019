/**
 * JSON answers of the dev server: rows may hold Dates (ISO strings),
 * binary values (base64 strings) and big integers (decimal strings).
 *
 * @module
 */

import type { Context } from "npm:hono@^4.6.0";
import type { ContentfulStatusCode } from "npm:hono@^4.6.0/utils/http-status";

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) {
    let s = "";
    for (let i = 0; i < v.length; i += 0x8000) {
      s += String.fromCharCode(...v.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }
  return v;
}

/** Nesting kept when a value is too deep to serialize whole. */
const SHOWN_DEPTH = 64;

/** A copy of `v` whose parts below {@link SHOWN_DEPTH} levels are replaced by a note. */
function clipDeep(v: unknown, depth = 0): unknown {
  if (typeof v !== "object" || v === null || v instanceof Uint8Array) return v;
  if (v instanceof Date) return v;
  if (depth >= SHOWN_DEPTH) {
    return `[nested deeper than ${SHOWN_DEPTH} levels: not shown]`;
  }
  if (Array.isArray(v)) return v.map((x) => clipDeep(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = clipDeep(x, depth + 1);
  return out;
}

/**
 * Serializes `data` with the replacements above. Values nested too deep
 * for the serializer (stored before Runnel refused them) are shown cut
 * short rather than failing the whole answer.
 */
export function toJson(data: unknown): string {
  try {
    return JSON.stringify(data, replacer);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return JSON.stringify(clipDeep(data), replacer);
  }
}

/** A JSON response with {@link toJson}. */
export function sendJson(
  c: Context,
  data: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  return c.body(toJson(data), status, {
    "content-type": "application/json; charset=utf-8",
  });
}

/** `{ error }` with `status`, plus any extra fields. */
export function sendError(
  c: Context,
  status: ContentfulStatusCode,
  error: string,
  extra: Record<string, unknown> = {},
): Response {
  return sendJson(c, { error, ...extra }, status);
}

/** Date → ISO string; undefined stays undefined. */
export function iso(d: Date | undefined): string | undefined {
  return d === undefined ? undefined : d.toISOString();
}
