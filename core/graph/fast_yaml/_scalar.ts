/**
 * Scalars and single-line flow collections for the graph.yml fast path.
 * Plain scalars resolve through the document's own schema (the YAML 1.2
 * core tags npm:yaml uses), so values, `source`, `type` and `format` come
 * out as npm:yaml would make them. Anything unusual bails.
 *
 * @module
 */

import {
  type Document,
  isScalar,
  type Node,
  Pair,
  Scalar,
  YAMLMap,
  YAMLSeq,
} from "npm:yaml@^2.8.0";
import { bail } from "./_lines.ts";

const SPACE = 32;
const HASH = 35;
const COLON = 58;

/** One scalar tag of the document's schema (the parts the fast path uses). */
interface ScalarTag {
  tag: string;
  default?: boolean | "key";
  test?: RegExp;
  format?: string;
  resolve(
    value: string,
    onError: (msg: string) => void,
    options: unknown,
  ): unknown;
}

/**
 * The tests of the YAML 1.2 core schema's scalar tags (null, bool, int,
 * float). Each matches only empty text or text starting with one of
 * CORE_STARTS, so any other plain text is a string without running them —
 * provided the schema's tests are exactly these (checked per document).
 */
const CORE_TESTS = new Set([
  String.raw`^(?:~|[Nn]ull|NULL)?$`,
  String.raw`^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$`,
  String.raw`^0o[0-7]+$`,
  String.raw`^[-+]?[0-9]+$`,
  String.raw`^0x[0-9a-fA-F]+$`,
  String.raw`^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$`,
  String.raw`^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$`,
  String.raw`^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$`,
]);
const CORE_STARTS = new Set("~nNtTfF0123456789+-.");

/** Builds npm:yaml scalars and flow collections from one text. */
export class ScalarMaker {
  readonly #tags: ScalarTag[];
  readonly #str: ScalarTag;
  /** True when plain text outside CORE_STARTS is known to be a string. */
  readonly #quickStr: boolean;
  /** The document the nodes are made for (its schema and options). */
  readonly doc: Document;

  constructor(readonly text: string, doc: Document) {
    this.doc = doc;
    this.#tags = (doc.schema.tags as unknown as ScalarTag[]).filter((t) =>
      t.test !== undefined
    );
    const str = (doc.schema.tags as unknown as ScalarTag[]).find((t) =>
      t.tag === "tag:yaml.org,2002:str"
    );
    this.#str = str ?? bail();
    this.#quickStr = this.#tags.length === CORE_TESTS.size &&
      this.#tags.every((t) => CORE_TESTS.has(t.test!.source));
  }

  /** A plain scalar with source `src` at `start`; range [start, end, end]. */
  plain(src: string, start: number, atKey: boolean): Scalar {
    const tag = this.#tagFor(src, atKey);
    const res = tag.resolve(src, bail, this.doc.options);
    const s = isScalar(res) ? res : new Scalar(res);
    const end = start + src.length;
    s.range = [start, end, end];
    (s as Scalar & { source: string }).source = src;
    s.type = Scalar.PLAIN;
    if (tag.format) s.format = tag.format;
    return s;
  }

  /** The tag npm:yaml resolves plain text `src` with (a string when none matches). */
  #tagFor(src: string, atKey: boolean): ScalarTag {
    if (this.#quickStr && src !== "" && !CORE_STARTS.has(src[0]!)) {
      return this.#str;
    }
    for (const t of this.#tags) {
      if (t.default !== true && !(atKey && t.default === "key")) continue;
      if (t.test?.test(src)) return t;
    }
    return this.#str;
  }

  /** The quoted scalar opening at `p` (closing before `e`), or a bail. */
  quoted(p: number, e: number): Scalar {
    const close = quoteEnd(this.text, p, e);
    const double = this.text.charCodeAt(p) === 34;
    const raw = this.text.slice(p + 1, close - 1);
    const value = double ? unescapeDouble(raw) : raw.replaceAll("''", "'");
    const s = new Scalar(this.#str.resolve(value, bail, this.doc.options));
    s.range = [p, close, close];
    (s as Scalar & { source: string }).source = value;
    s.type = double ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE;
    return s;
  }

  /**
   * The flow collection opening at `p` on a line ending at `e`; its range
   * is [p, after the bracket, after the bracket]. Items are scalars or
   * nested flow collections; anything else bails.
   */
  flow(p: number, e: number): YAMLMap | YAMLSeq {
    const t = this.text;
    const isMap = t.charCodeAt(p) === 123; // {
    const close = isMap ? 125 : 93; // } ]
    const coll = isMap
      ? new YAMLMap(this.doc.schema)
      : new YAMLSeq(this.doc.schema);
    coll.flow = true;
    let k = skipSpaces(t, p + 1, e);
    if (t.charCodeAt(k) !== close) {
      for (;;) {
        if (isMap) {
          const key = this.#flowItem(k, e, true);
          const colon = skipSpaces(t, key.range![1], e);
          if (t.charCodeAt(colon) !== COLON) bail();
          if (t.charCodeAt(colon + 1) !== SPACE) bail();
          const value = this.#flowItem(skipSpaces(t, colon + 1, e), e, false);
          (coll as YAMLMap).items.push(new Pair(key, value));
          k = value.range![2];
        } else {
          const item = this.#flowItem(k, e, false);
          (coll as YAMLSeq).items.push(item);
          k = item.range![2];
        }
        const c = t.charCodeAt(k);
        if (c === close) break;
        if (c !== 44) bail(); // ,
        k = skipSpaces(t, k + 1, e);
        if (k >= e || t.charCodeAt(k) === close) bail(); // trailing comma
      }
    }
    coll.range = [p, k + 1, k + 1];
    return coll;
  }

  /**
   * One flow item at `k`. Keys get range [s, e, e] and stop before the
   * spaces ahead of `:`; values and list items take trailing spaces into
   * range[2], as npm:yaml does.
   */
  #flowItem(k: number, e: number, atKey: boolean): Node {
    const t = this.text;
    const c = t.charCodeAt(k);
    let node: Scalar | YAMLMap | YAMLSeq;
    if (c === 34 || c === 39) node = this.quoted(k, e);
    else if (c === 91 || c === 123) {
      if (atKey) bail();
      node = this.flow(k, e);
    } else {
      if (!plainStartOk(t, k, e) || c === 44) bail();
      let j = k;
      for (; j < e; j++) {
        const d = t.charCodeAt(j);
        if (d === 44 || d === 93 || d === 125) break; // , ] }
        if (d === 91 || d === 123) bail(); // [ {
        if (d === HASH && t.charCodeAt(j - 1) === SPACE) bail();
        if (d === COLON) {
          const n = t.charCodeAt(j + 1);
          if (j + 1 >= e || n === SPACE || n === 44 || n === 93 || n === 125) {
            break;
          }
        }
      }
      if (j >= e) bail(); // runs past the line: multi-line flow
      let s = j;
      while (t.charCodeAt(s - 1) === SPACE) s--;
      node = this.plain(t.slice(k, s), k, atKey);
    }
    if (!atKey) node.range![2] = skipSpaces(t, node.range![1], e);
    return node;
  }
}

/** The offset after the closing quote of the scalar opening at `p`. */
export function quoteEnd(t: string, p: number, e: number): number {
  const q = t.charCodeAt(p);
  for (let i = p + 1; i < e; i++) {
    const c = t.charCodeAt(i);
    if (q === 34 && c === 92) {
      i++;
      if (i >= e) bail(); // escaped line break
      continue;
    }
    if (c !== q) continue;
    if (q === 39 && t.charCodeAt(i + 1) === 39) {
      i++;
      continue;
    }
    return i + 1;
  }
  return bail(); // multi-line quoted scalar
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** The value of a one-line double-quoted scalar body; bails on a bad escape. */
function unescapeDouble(raw: string): string {
  if (!raw.includes("\\")) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = raw[++i] ?? bail();
    const simple = ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const len = HEX_LENGTH[next] ?? bail();
    const hex = raw.slice(i + 1, i + 1 + len);
    if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) bail();
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) bail();
    out += String.fromCodePoint(code);
    i += len;
  }
  return out;
}

/** The first offset at or after `k` (before `e`) that is not a space. */
export function skipSpaces(t: string, k: number, e: number): number {
  while (k < e && t.charCodeAt(k) === SPACE) k++;
  return k;
}

/** True when a plain scalar may start at `k` (no indicator characters). */
export function plainStartOk(t: string, k: number, e: number): boolean {
  const c = t.charCodeAt(k);
  switch (c) {
    case 45: { // - needs a non-space after it
      const n = t.charCodeAt(k + 1);
      return k + 1 < e && n !== SPACE && n !== 44 && n !== 93 && n !== 125 &&
        n !== 91 && n !== 123;
    }
    case 63: // ?
    case 58: // :
    case 44: // ,
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case 35: // #
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case 39: // '
    case 34: // "
    case 37: // %
    case 64: // @
    case 96: // `
      return false;
  }
  return true;
}
