/**
 * The line table of the graph.yml fast path: where every line starts,
 * where its indentation ends and what it holds. Building it also screens
 * out text the fast path does not handle (tabs, control characters, a
 * byte-order mark, lone CRs, directives, document markers).
 *
 * @module
 */

import type { LineCounter } from "npm:yaml@^2.8.0";

/** Thrown (and caught by the fast path) when the text leaves the handled subset. */
export const BAIL: unique symbol = Symbol("graph-yaml-fast-bail");

/** Gives up on the fast path. */
export function bail(): never {
  throw BAIL;
}

/** A line with only spaces. */
export const BLANK = 0;
/** A line whose first non-space character is `#`. */
export const COMMENT = 1;
/** Any other line. */
export const CONTENT = 2;

/** Offsets of every line of the text, by line index. */
export interface Lines {
  text: string;
  /** Number of lines (a text ending in a newline has an empty last line). */
  count: number;
  /** Offset of the line's first character. */
  start: Int32Array;
  /** Offset of the line's first non-space character (its end when blank). */
  content: Int32Array;
  /** Offset of the line's end, before `\n` or `\r\n`. */
  end: Int32Array;
  /** Offset of the next line's start (the text length on the last line). */
  next: Int32Array;
  /** BLANK, COMMENT or CONTENT. */
  kind: Uint8Array;
}

/**
 * Splits `text` into lines, registering every line start with `lc` as
 * npm:yaml's parser does. Bails on characters the fast path leaves to
 * npm:yaml.
 */
export function scanLines(text: string, lc: LineCounter): Lines {
  const len = text.length;
  let count = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    count++;
  }
  const lines: Lines = {
    text,
    count,
    start: new Int32Array(count),
    content: new Int32Array(count),
    end: new Int32Array(count),
    next: new Int32Array(count),
    kind: new Uint8Array(count),
  };
  lc.addNewLine(0);
  let pos = 0;
  for (let n = 0; n < count; n++) {
    let i = pos;
    while (i < len && text.charCodeAt(i) === 32) i++;
    const content = i;
    let end = len;
    let next = len;
    for (; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c >= 32 && c < 127) continue;
      if (c === 10) {
        end = i;
        next = i + 1;
        break;
      }
      if (c === 13 && text.charCodeAt(i + 1) === 10) {
        end = i;
        next = i + 2;
        break;
      }
      if (isUnsafe(c)) bail();
    }
    lines.start[n] = pos;
    lines.content[n] = content;
    lines.end[n] = end;
    lines.next[n] = next;
    lines.kind[n] = content === end ? BLANK : text.charCodeAt(content) === 35 // #
      ? COMMENT
      : CONTENT;
    if (content === pos && content < end) checkLineStart(text, pos, end);
    if (next < len || (next === len && end < len)) lc.addNewLine(next);
    pos = next;
  }
  return lines;
}

/** Characters the fast path never reads: controls, tabs, BOM, odd separators. */
function isUnsafe(c: number): boolean {
  return c < 32 || (c >= 127 && c <= 159) || c === 0xfeff ||
    c === 0x2028 || c === 0x2029;
}

/** A line at column 0 must not be a directive or a document marker. */
function checkLineStart(text: string, pos: number, end: number): void {
  const c = text.charCodeAt(pos);
  if (c === 37) bail(); // % directive
  if (c !== 45 && c !== 46) return; // - or .
  const three = text.slice(pos, pos + 3);
  if (three !== "---" && three !== "...") return;
  if (pos + 3 === end || text.charCodeAt(pos + 3) === 32) bail();
}
