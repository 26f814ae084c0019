// Canonical text of a templated SQL statement for cache keys: comments
// dropped, whitespace collapsed outside literals and quoted identifiers,
// tags replaced by their canonical spelling. Reformatting gives the same
// text; changing anything the database would see gives another.

import type { SqlSegment } from "./_lex.ts";

/** Brackets and separators: whitespace next to them never matters. */
const TIGHT = new Set(["(", ")", ",", ";"]);
/** Operator characters: whitespace between two of them is kept (`- -1` is not `--1`). */
const OPERATOR = new Set([..."+-*/<>=!|&%^~"]);

/**
 * Normalizes `text` split into `segs`. `tagText(i)` gives the canonical
 * spelling of the tag segment `segs[i]`. Text from `stop` on (a final `;`)
 * is left out.
 */
export function normalizeSql(
  text: string,
  segs: SqlSegment[],
  tagText: (i: number) => string,
  stop: number,
): string {
  let out = "";
  let pendingSpace = false;
  const emit = (piece: string, first: string, last: string) => {
    if (piece === "") return;
    if (pendingSpace && out !== "" && needsSpace(prevLast, first)) out += " ";
    pendingSpace = false;
    out += piece;
    prevLast = last;
  };
  let prevLast = "";
  segs.forEach((s, i) => {
    if (s.start >= stop) return;
    const raw = text.slice(s.start, Math.min(s.end, stop));
    switch (s.kind) {
      case "comment":
        pendingSpace = true;
        return;
      case "tag":
        // A tag renders to an identifier or placeholders: word-like.
        emit(tagText(i), "a", "a");
        return;
      case "string":
      case "ident":
        emit(raw, raw[0]!, raw[raw.length - 1]!);
        return;
      case "code":
        for (const part of raw.split(/(\s+)/)) {
          if (part === "") continue;
          if (/^\s/.test(part)) pendingSpace = true;
          else emit(part, part[0]!, part[part.length - 1]!);
        }
    }
  });
  return out;
}

function needsSpace(a: string, b: string): boolean {
  if (TIGHT.has(a) || TIGHT.has(b)) return false;
  const opA = OPERATOR.has(a);
  const opB = OPERATOR.has(b);
  return opA === opB;
}
