/**
 * Where comment and blank lines end up in node ranges, for the graph.yml
 * fast path. npm:yaml gives them to nodes by these rules (checked against
 * it by fuzz_test.ts):
 *
 * - an inline value's range runs to the end of its line, then over the
 *   following comment lines indented deeper than its collection (and the
 *   blank lines between them), up to the first other comment or content;
 * - an empty value (`key:` with nothing after it) sits after the `:` and
 *   its spaces; when comments around it are its own, its range runs to
 *   their end (see {@link emptyValueEnd});
 * - what is left after a collection's last entry is handed up to the
 *   enclosing collections, until one indented at most as deep as a comment
 *   in it keeps it as the end of its range.
 *
 * @module
 */

import type { Node, YAMLMap, YAMLSeq } from "npm:yaml@^2.8.0";
import { COMMENT, CONTENT, type Lines } from "./_lines.ts";

/** Comment and blank lines after a collection's last entry that belong to no node yet. */
export interface Pending {
  /** Offset where the lines end (the next content, or the end of text). */
  end: number;
  /** The deepest comment indentation among them; -1 without comments. */
  maxIndent: number;
}

/** A block node, the index of the first content line after it, and what trails it. */
export interface Built {
  node: Node;
  next: number;
  pending: Pending | null;
}

/** The indentation of line `i`. */
export function indentOf(l: Lines, i: number): number {
  return l.content[i]! - l.start[i]!;
}

/**
 * Ends the range of the inline `node` on `line`, in a collection at column
 * `col`, and finds the next content line and what is pending before it.
 */
export function afterInline(
  l: Lines,
  line: number,
  col: number,
  node: Node,
): { next: number; pending: Pending | null } {
  let end = l.next[line]!;
  let maxIndent = -1;
  let absorbing = true;
  let i = line + 1;
  for (; i < l.count && l.kind[i] !== CONTENT; i++) {
    if (l.kind[i] !== COMMENT) continue;
    const ind = indentOf(l, i);
    if (absorbing && ind > col) end = l.next[i]!;
    else {
      absorbing = false;
      if (ind > maxIndent) maxIndent = ind;
    }
  }
  node.range![2] = end;
  const tEnd = i < l.count ? l.content[i]! : l.text.length;
  return { next: i, pending: tEnd > end ? { end: tEnd, maxIndent } : null };
}

/**
 * The end of the range of the empty value at offset `q` of the `key:` on
 * `line` (a mapping at column `col`), the next content being line `n`.
 */
export function emptyValueEnd(
  l: Lines,
  line: number,
  q: number,
  n: number,
  col: number,
): number {
  let hasComment = q < l.end[line]!;
  let end: number;
  if (n < l.count && indentOf(l, n) === col) {
    // The next key: npm:yaml splits the lines between at the second line
    // break after the last comment indented deeper than the mapping (or
    // after the `:`), keeping the line before that break.
    let j = n - 1;
    while (j > line && !(l.kind[j] === COMMENT && indentOf(l, j) > col)) j--;
    if (j > line) hasComment = true;
    if (j + 1 < n) {
      if (l.kind[j + 1] === COMMENT) hasComment = true;
      end = l.end[j + 1]!;
    } else end = l.content[n]!;
  } else {
    // The mapping ends here: every line up to the next content is the value's.
    for (let i = line + 1; i < n; i++) {
      if (l.kind[i] === COMMENT) hasComment = true;
    }
    end = n < l.count ? l.content[n]! : l.text.length;
  }
  return hasComment ? end : q;
}

/** Sets a block collection's range once its last entry is known. */
export function close(
  coll: YAMLMap | YAMLSeq,
  start: number,
  lastEnd: number,
  col: number,
  next: number,
  pending: Pending | null,
): Built {
  if (pending !== null && col !== 0 && pending.maxIndent >= col) {
    coll.range = [start, lastEnd, pending.end];
    return { node: coll, next, pending: null };
  }
  coll.range = [start, lastEnd, lastEnd];
  return { node: coll, next, pending };
}
