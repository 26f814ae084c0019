// Checks that a templated SQL text is one SELECT (or WITH … SELECT), with at
// most a trailing `;`. Defence in depth and a clear message: the store's
// engine refuses writes anyway.

import type { SqlSegment } from "./_lex.ts";
import type { Fail } from "./_params.ts";

const WHAT =
  "an SQL node is one SELECT (WITH … SELECT allowed) whose result replaces its output table";
const MAIN = new Set([
  "select",
  "values",
  "insert",
  "update",
  "delete",
  "replace",
]);

/**
 * Throws through `fail` unless `segs` (of `text`) hold one SELECT. Returns
 * the offset of the terminating `;`, if there is one.
 */
export function checkOneSelect(
  text: string,
  segs: SqlSegment[],
  fail: Fail,
): number | undefined {
  const first = firstMeaningful(text, segs, 0);
  if (first === undefined) fail(`the SQL node is empty: ${WHAT}`, 0);
  const [seg, at] = first!;
  const word = seg.kind === "code"
    ? /^[A-Za-z_]\w*/.exec(text.slice(at, seg.end))?.[0]
    : undefined;
  const lower = word?.toLowerCase();
  if (lower !== "select" && lower !== "with") {
    const shown = word ?? text.slice(at, seg.end).trim().slice(0, 20);
    fail(`${WHAT}; this one starts with "${shown}"`, at);
  }
  let semi: number | undefined;
  for (const s of segs) {
    if (s.kind !== "code") continue;
    const k = text.indexOf(";", s.start);
    if (k >= 0 && k < s.end) {
      semi = k;
      break;
    }
  }
  if (semi !== undefined) {
    const extra = firstMeaningful(text, segs, semi + 1);
    if (extra !== undefined) {
      fail(
        `${WHAT}, but a second statement starts here; move it to a node of its own or fold it into the SELECT with WITH`,
        extra[1],
      );
    }
  }
  if (lower === "with") checkWithBody(text, segs, at + 4, semi, fail);
  return semi;
}

/** First non-blank position outside comments at or after `from`. */
function firstMeaningful(
  text: string,
  segs: SqlSegment[],
  from: number,
): [SqlSegment, number] | undefined {
  for (const s of segs) {
    if (s.end <= from || s.kind === "comment") continue;
    const start = Math.max(s.start, from);
    if (s.kind !== "code") return [s, start];
    const m = /\S/.exec(text.slice(start, s.end));
    if (m) return [s, start + m.index];
  }
  return undefined;
}

/** After WITH, the first top-level statement keyword must be SELECT or VALUES. */
function checkWithBody(
  text: string,
  segs: SqlSegment[],
  from: number,
  semi: number | undefined,
  fail: Fail,
): void {
  let depth = 0;
  const end = semi ?? text.length;
  for (const s of segs) {
    if (s.kind !== "code" || s.end <= from) continue;
    const re = /[()]|[A-Za-z_]\w*/g;
    re.lastIndex = Math.max(s.start, from);
    for (let m = re.exec(text); m && m.index < Math.min(s.end, end);) {
      if (m[0] === "(") depth++;
      else if (m[0] === ")") depth--;
      else if (depth === 0 && MAIN.has(m[0].toLowerCase())) {
        const w = m[0].toLowerCase();
        if (w === "select" || w === "values") return;
        fail(`${WHAT}; WITH … ${m[0].toUpperCase()} is not allowed`, m.index);
      }
      m = re.exec(text);
    }
  }
}
