/**
 * PostgreSQL SQL text handling for `query()` and `materialize()`: checking
 * that a text holds exactly one statement, and binding `?` parameters as
 * literals (the statement becomes a materialized view, which cannot take
 * bound parameters). Understands '…' and E'…' strings, "…" identifiers,
 * $tag$…$tag$ strings and both comment forms. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import { DataError } from "../../core/errors.ts";

/** What one scan found: `?` offsets and where the statement ends. */
interface Scan {
  marks: number[];
  /** Offset of the terminating `;`, or the text's length. */
  end: number;
  /** Whether anything but whitespace and comments comes after `end`. */
  trailing: boolean;
  empty: boolean;
}

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;
const TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

function scan(sql: string): Scan {
  const marks: number[] = [];
  let end = -1;
  let trailing = false;
  let empty = true;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const ch = sql[i]!;
    if (ch === "-" && sql[i + 1] === "-") {
      const j = sql.indexOf("\n", i);
      i = j < 0 ? n : j + 1;
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === "/" && sql[i + 1] === "*") (depth++, i += 2);
        else if (sql[i] === "*" && sql[i + 1] === "/") (depth--, i += 2);
        else i++;
      }
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (end >= 0) {
      trailing = true;
      break;
    }
    if (ch === ";") {
      end = i++;
      continue;
    }
    empty = false;
    if (ch === "'") {
      const escapes = (sql[i - 1] === "E" || sql[i - 1] === "e") &&
        !IDENT.test(sql[i - 2] ?? " ");
      i++;
      while (i < n) {
        if (escapes && sql[i] === "\\") i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      continue;
    }
    if (ch === '"') {
      const j = sql.indexOf('"', i + 1);
      i = j < 0 ? n : j + 1;
      while (sql[i] === '"') {
        const k = sql.indexOf('"', i + 1);
        i = k < 0 ? n : k + 1;
      }
      continue;
    }
    if (ch === "$" && !IDENT.test(sql[i - 1] ?? " ")) {
      const tag = TAG.exec(sql.slice(i, i + 64));
      if (tag !== null) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
        continue;
      }
    }
    if (IDENT.test(ch)) {
      while (i < n && IDENT.test(sql[i]!)) i++;
      continue;
    }
    if (ch === "?") marks.push(i);
    i++;
  }
  return { marks, end: end < 0 ? n : end, trailing, empty };
}

/**
 * Throws unless `sql` holds exactly one statement; returns it without its
 * terminating semicolon (and whatever comments follow).
 */
export function statementBody(sql: string, verb: string): string {
  if (typeof sql !== "string") {
    throw new DataError(`${verb}() needs an SQL SELECT statement`);
  }
  const s = scan(sql);
  if (s.trailing) {
    throw new DataError(
      `${verb}() runs exactly one SELECT statement; remove everything after the first ';'`,
    );
  }
  if (s.empty) throw new DataError(`${verb}() needs an SQL SELECT statement`);
  return sql.slice(0, s.end);
}

/** A string literal that needs no escaping whatever the server settings. */
function quoted(text: string): string {
  let tag = "$r$";
  for (let k = 0; text.includes(tag); k++) tag = `$r${k}$`;
  return `${tag}${text}${tag}`;
}

/** The SQL literal standing for parameter `i`. */
export function literal(v: unknown, i: number, verb: string): string {
  if (v === undefined || v === null) return "NULL";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (Number.isSafeInteger(v)) return v < 0 ? `(${v})` : String(v);
    if (Number.isFinite(v)) return `CAST('${v}' AS double precision)`;
    return `CAST('${
      v > 0 ? "Infinity" : v < 0 ? "-Infinity" : "NaN"
    }' AS double precision)`;
  }
  if (typeof v === "bigint") {
    const t = v >= -(2n ** 63n) && v < 2n ** 63n ? "bigint" : "numeric";
    return `CAST('${v}' AS ${t})`;
  }
  if (typeof v === "string") {
    if (v.includes("\0")) {
      throw new DataError(
        `${verb}() parameter ${
          i + 1
        } holds a NUL character, which PostgreSQL text cannot hold`,
      );
    }
    return quoted(v);
  }
  if (v instanceof Date) return `CAST('${v.toISOString()}' AS timestamptz)`;
  if (v instanceof Uint8Array) {
    const hex = Array.from(v, (b) => b.toString(16).padStart(2, "0"));
    return `CAST(${quoted("\\x" + hex.join(""))} AS bytea)`;
  }
  throw new DataError(
    `${verb}() parameter ${
      i + 1
    } cannot be bound: use a string, number, bigint, boolean, Date, Uint8Array or null`,
  );
}

/** Replaces the `?` placeholders of one statement by literals of `params`. */
export function bindParams(
  body: string,
  params: unknown[],
  verb: string,
): string {
  if (!Array.isArray(params)) {
    throw new DataError(`${verb}() parameters must be an array`);
  }
  const { marks } = scan(body);
  if (marks.length !== params.length) {
    throw new DataError(
      `${verb}() has ${marks.length} ? placeholder(s) but ${params.length} parameter(s) were given`,
    );
  }
  let out = "";
  let from = 0;
  marks.forEach((at, i) => {
    out += body.slice(from, at) + literal(params[i], i, verb);
    from = at + 1;
  });
  return out + body.slice(from);
}
