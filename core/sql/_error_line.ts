// Best-effort mapping of a database error message to a line of an SQL node
// file. Rendering keeps line structure, so a line of the rendered SQL is the
// same line of the node file.

import { lexSql, positionAt, type SqlSegment } from "./_lex.ts";

/** Error shapes of SQLite and PostgreSQL that name a token or an identifier. */
const NEAR = /near "(.*)"(?::| *$| *\n)/;
const END_OF_INPUT =
  /incomplete input|unrecognized token: "\s*$|at end of input/i;
const NAMED: RegExp[] = [
  /no such column: (\S+)/,
  /ambiguous column name: (\S+)/,
  /no such table: (\S+)/,
  /no such function: (\w+)/,
  /column "?([^"\s]+)"? does not exist/,
  /relation "([^"]+)" does not exist/,
  /function (\w+)\(.*\) does not exist/,
  /column reference "([^"]+)" is ambiguous/,
  /unrecognized token: "(.*)"/,
];

/**
 * Line (1-based) of the node file that a database error points at, or
 * `undefined` when the message names nothing that can be found. Looks in
 * the rendered SQL first (it holds the real table names), then in the
 * template text.
 */
export function lineOfSqlError(
  templateText: string,
  renderedSql: string,
  dbMessage: string,
): number | undefined {
  for (
    const [text, tags] of [[renderedSql, false], [templateText, true]] as const
  ) {
    const offset = offsetOfError(text, lexSql(text, tags), dbMessage);
    if (offset !== undefined) return positionAt(text, offset).line;
  }
  return undefined;
}

function offsetOfError(
  text: string,
  segs: SqlSegment[],
  msg: string,
): number | undefined {
  const near = NEAR.exec(msg);
  if (near) return findToken(text, segs, near[1]!);
  if (END_OF_INPUT.test(msg)) return lastCode(text, segs);
  for (const re of NAMED) {
    const m = re.exec(msg);
    if (!m) continue;
    const name = m[1]!;
    const dot = name.lastIndexOf(".");
    if (dot > 0) {
      const qualified = findToken(text, segs, name);
      if (qualified !== undefined) return qualified;
    }
    return findToken(text, segs, name.slice(dot + 1));
  }
  return undefined;
}

/**
 * First occurrence of `token` outside comments and string literals: as a
 * whole word in code (case-insensitive), or as a quoted identifier.
 */
function findToken(
  text: string,
  segs: SqlSegment[],
  token: string,
): number | undefined {
  if (token === "") return undefined;
  const esc = token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\\\./g, "\\s*\\.\\s*");
  const word = /^\w/.test(token) ? "(?<![\\w$])" : "";
  const wordEnd = /\w$/.test(token) ? "(?![\\w$])" : "";
  const re = new RegExp(`${word}${esc}${wordEnd}`, "i");
  for (const s of segs) {
    const raw = text.slice(s.start, s.end);
    if (s.kind === "code") {
      const m = re.exec(raw);
      if (m) return s.start + m.index;
    } else if (s.kind === "ident") {
      const inner = raw.slice(1, -1);
      if (raw === token || inner.toLowerCase() === token.toLowerCase()) {
        return s.start;
      }
    } else if (s.kind === "string" && raw === token) {
      return s.start;
    }
  }
  return undefined;
}

/** Offset of the last non-blank code character. */
function lastCode(text: string, segs: SqlSegment[]): number | undefined {
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    if (s.kind === "comment") continue;
    const raw = text.slice(s.start, s.end);
    const m = /\S\s*$/.exec(raw);
    if (m) return s.start + m.index;
  }
  return undefined;
}
