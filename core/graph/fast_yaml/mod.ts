/**
 * A fast path for parsing graph.yml: a small parser for the plain
 * block-YAML subset graph files use, building the same npm:yaml Document
 * AST (YAMLMap / YAMLSeq / Scalar / Pair with npm:yaml's `range`s, scalar
 * `source`, `type` and `format`) and LineCounter that `YAML.parseDocument`
 * would, several times faster (a 10,000-node graph: ~100 ms, not ~650 ms).
 *
 * The subset: block mappings and sequences indented with spaces (a
 * sequence may sit at its key's column, a mapping may start on a `- `
 * line), single-line plain, single- and double-quoted scalars, single-line
 * flow lists and maps of those, comments and blank lines anywhere, LF or
 * CRLF line ends. Anything else — anchors, aliases, tags, block scalars,
 * multi-line scalars or flow collections, explicit or complex keys, `<<`,
 * empty list items, directives, `---` / `...`, tabs, control characters,
 * a byte-order mark, any YAML error — makes {@link fastParseDocument}
 * return undefined, and the caller parses with npm:yaml instead.
 *
 * Comments are not attached to nodes (nothing in the loader reads them).
 *
 * @module
 */

import {
  Document,
  LineCounter,
  type Node,
  Pair,
  type Scalar,
  YAMLMap,
  YAMLSeq,
} from "npm:yaml@^2.8.0";
import { BAIL, bail, CONTENT, type Lines, scanLines } from "./_lines.ts";
import {
  afterInline,
  type Built,
  close,
  emptyValueEnd,
  indentOf,
  type Pending,
} from "./_trivia.ts";
import { plainStartOk, quoteEnd, ScalarMaker, skipSpaces } from "./_scalar.ts";

/** A parsed graph.yml: the document and the line starts of its text. */
export interface ParsedYaml {
  doc: Document;
  lineCounter: LineCounter;
}

/**
 * Parses `text` like `YAML.parseDocument(text, { lineCounter,
 * uniqueKeys: false, prettyErrors: false })` when it stays inside the
 * handled subset (see the module doc); undefined otherwise.
 */
export function fastParseDocument(text: string): ParsedYaml | undefined {
  const lineCounter = new LineCounter();
  const doc = new Document(undefined, {
    uniqueKeys: false,
    prettyErrors: false,
  });
  try {
    const lines = scanLines(text, lineCounter);
    const root = new BlockParser(lines, new ScalarMaker(text, doc)).root();
    const contentEnd = root.node.range![2];
    doc.contents = root.node as typeof doc.contents;
    const start = root.node.range![0];
    doc.range = [start, contentEnd, root.pending?.end ?? contentEnd];
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
  return { doc, lineCounter };
}

/** A `key:` at the start of a mapping entry. */
interface KeyAt {
  key: Scalar;
  colon: number;
}

const SPACE = 32;
const HASH = 35;
const DASH = 45;

class BlockParser {
  readonly #l: Lines;
  readonly #s: ScalarMaker;
  readonly #t: string;

  constructor(lines: Lines, scalars: ScalarMaker) {
    this.#l = lines;
    this.#s = scalars;
    this.#t = lines.text;
  }

  root(): Built {
    const first = this.#nextContent(0);
    if (first >= this.#l.count || this.#indent(first) !== 0) bail();
    const built = this.#block(first);
    if (built.next < this.#l.count) bail();
    return built;
  }

  #indent(i: number): number {
    return indentOf(this.#l, i);
  }

  #nextContent(i: number): number {
    const { count, kind } = this.#l;
    while (i < count && kind[i] !== CONTENT) i++;
    return i;
  }

  /** True when line `i` starts with a `- ` (or a lone `-`) sequence entry. */
  #isDash(i: number): boolean {
    const c = this.#l.content[i]!;
    return this.#t.charCodeAt(c) === DASH &&
      (c + 1 === this.#l.end[i] || this.#t.charCodeAt(c + 1) === SPACE);
  }

  /** The mapping or sequence whose first entry is content line `i`. */
  #block(i: number): Built {
    const col = this.#indent(i);
    return this.#isDash(i)
      ? this.#seq(i, col)
      : this.#map(i, col, this.#l.content[i]!);
  }

  /** A block mapping whose keys sit at column `col`; the first at offset `pos` of line `first`. */
  #map(first: number, col: number, pos: number, firstKey?: KeyAt): Built {
    const l = this.#l;
    const map = new YAMLMap(this.#s.doc.schema);
    let line = first;
    let k = firstKey ?? this.#keyAt(line, pos) ?? bail();
    for (;;) {
      const e = l.end[line]!;
      const q = skipSpaces(this.#t, k.colon + 1, e);
      let value: Node;
      let next: number;
      let pending: Pending | null = null;
      if (q >= e || this.#t.charCodeAt(q) === HASH) {
        const n = this.#nextContent(line + 1);
        const nested = n < l.count &&
          (this.#indent(n) > col ||
            (this.#indent(n) === col && this.#isDash(n)));
        if (nested) {
          const b = this.#indent(n) > col ? this.#block(n) : this.#seq(n, col);
          ({ node: value, next, pending } = b);
        } else {
          value = this.#s.plain("", q, false);
          value.range![2] = emptyValueEnd(this.#l, line, q, n, col);
          next = n;
        }
      } else {
        value = this.#inline(line, q);
        ({ next, pending } = afterInline(this.#l, line, col, value));
      }
      map.items.push(new Pair(k.key, value));
      if (next < l.count && this.#indent(next) === col && !this.#isDash(next)) {
        line = next;
        k = this.#keyAt(line, l.content[line]!) ?? bail();
        continue;
      }
      if (next < l.count && this.#indent(next) >= col) bail();
      return close(map, pos, value.range![2], col, next, pending);
    }
  }

  /** A block sequence whose `-` sit at column `col`, from line `first`. */
  #seq(first: number, col: number): Built {
    const l = this.#l;
    const t = this.#t;
    const seq = new YAMLSeq(this.#s.doc.schema);
    let line = first;
    for (;;) {
      const e = l.end[line]!;
      const q = skipSpaces(t, l.start[line]! + col + 1, e);
      let item: Node;
      let next: number;
      let pending: Pending | null = null;
      if (q >= e || t.charCodeAt(q) === HASH) {
        const n = this.#nextContent(line + 1);
        if (n >= l.count || this.#indent(n) <= col) bail(); // empty item
        ({ node: item, next, pending } = this.#block(n));
      } else {
        if (
          t.charCodeAt(q) === DASH &&
          (q + 1 === e || t.charCodeAt(q + 1) === SPACE)
        ) {
          bail(); // `- - x`
        }
        const key = this.#keyAt(line, q);
        if (key !== undefined) {
          const b = this.#map(line, q - l.start[line]!, q, key);
          ({ node: item, next, pending } = b);
        } else {
          item = this.#inline(line, q);
          ({ next, pending } = afterInline(this.#l, line, col, item));
        }
      }
      seq.items.push(item);
      if (next < l.count && this.#indent(next) === col && this.#isDash(next)) {
        line = next;
        continue;
      }
      if (next < l.count && this.#indent(next) > col) bail();
      return close(
        seq,
        l.start[first]! + col,
        item.range![2],
        col,
        next,
        pending,
      );
    }
  }

  /** The `key:` at offset `p` of line `line`, or undefined when there is none. */
  #keyAt(line: number, p: number): KeyAt | undefined {
    const t = this.#t;
    const e = this.#l.end[line]!;
    const c = t.charCodeAt(p);
    if (c === 34 || c === 39) {
      const colon = skipSpaces(t, quoteEnd(t, p, e), e);
      if (t.charCodeAt(colon) !== 58) return undefined;
      if (colon + 1 < e && t.charCodeAt(colon + 1) !== SPACE) return undefined;
      return { key: this.#s.quoted(p, e), colon };
    }
    if (!plainStartOk(t, p, e)) return undefined;
    for (let j = p; j < e; j++) {
      const d = t.charCodeAt(j);
      if (d === HASH && t.charCodeAt(j - 1) === SPACE) return undefined;
      if (d !== 58 || (j + 1 < e && t.charCodeAt(j + 1) !== SPACE)) continue;
      let s = j;
      while (t.charCodeAt(s - 1) === SPACE) s--;
      const src = t.slice(p, s);
      if (src === "<<" || j - p > 1000) bail();
      return { key: this.#s.plain(src, p, true), colon: j };
    }
    return undefined;
  }

  /** The scalar or flow collection at offset `q`, the rest of its line blank or a comment. */
  #inline(line: number, q: number): Node {
    const t = this.#t;
    const e = this.#l.end[line]!;
    const c = t.charCodeAt(q);
    let node: Node;
    if (c === 34 || c === 39) node = this.#s.quoted(q, e);
    else if (c === 91 || c === 123) node = this.#s.flow(q, e);
    else {
      if (!plainStartOk(t, q, e)) bail();
      let j = q;
      while (
        j < e && !(t.charCodeAt(j) === HASH && t.charCodeAt(j - 1) === SPACE)
      ) j++;
      while (t.charCodeAt(j - 1) === SPACE) j--;
      const src = t.slice(q, j);
      if (src.includes(": ") || src.endsWith(":")) bail();
      node = this.#s.plain(src, q, false);
    }
    const valueEnd = node.range![1];
    const r = skipSpaces(t, valueEnd, e);
    if (r < e && !(t.charCodeAt(r) === HASH && r > valueEnd)) bail();
    return node;
  }
}
