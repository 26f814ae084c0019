/**
 * Test support for the graph.yml fast path: an AST comparison against
 * npm:yaml, graph.yml texts gathered from the repository's tests, and a
 * comparison of what parseGraph makes of a text on either path.
 *
 * @module
 */

import YAML, {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
} from "npm:yaml@^2.8.0";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GraphError } from "../../errors.ts";
import { type GraphFs, parseGraph } from "../load.ts";
import { fastParseDocument } from "./mod.ts";

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), "../../..");

/** npm:yaml's own parse, as parseGraph's slow path does it. */
export function slowParse(text: string) {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
  });
  return { doc, lineCounter };
}

const SCALAR_PROPS = [
  "value",
  "source",
  "type",
  "format",
  "minFractionDigits",
  "tag",
  "anchor",
] as const;

type Loose = Record<string, unknown> & { items: unknown[] };

/** The first difference between two AST nodes, or undefined. */
export function diffNode(
  a: unknown,
  b: unknown,
  path = "$",
): string | undefined {
  const kind = (n: unknown) =>
    isMap(n) ? "map" : isSeq(n) ? "seq" : isScalar(n) ? "scalar" : String(n);
  if (kind(a) !== kind(b)) return `${path}: ${kind(a)} vs ${kind(b)}`;
  const x = a as Loose;
  const y = b as Loose;
  if (JSON.stringify(x.range) !== JSON.stringify(y.range)) {
    return `${path}: range ${JSON.stringify(x.range)} vs ${
      JSON.stringify(y.range)
    }`;
  }
  if (isScalar(a)) {
    for (const p of SCALAR_PROPS) {
      if (!Object.is(x[p], y[p])) return `${path}: ${p} ${x[p]} vs ${y[p]}`;
    }
    return undefined;
  }
  if (Boolean(x.flow) !== Boolean(y.flow)) return `${path}: flow`;
  if (x.items.length !== y.items.length) return `${path}: item count`;
  for (let i = 0; i < x.items.length; i++) {
    const [p, q] = [x.items[i], y.items[i]];
    const d = isPair(p) && isPair(q)
      ? diffNode(p.key, q.key, `${path}.${i}.key`) ??
        diffNode(p.value, q.value, `${path}.${i}.value`)
      : diffNode(p, q, `${path}[${i}]`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * Compares the fast parse of `text` with npm:yaml's: undefined when the
 * fast path declines, "" when both agree (nodes, ranges, line starts,
 * document range, no errors), else the first difference.
 */
export function compareParsers(text: string): string | undefined {
  const fast = fastParseDocument(text);
  if (fast === undefined) return undefined;
  const slow = slowParse(text);
  const problems = [...slow.doc.errors, ...slow.doc.warnings];
  if (problems.length > 0) {
    return `npm:yaml reports ${problems.map((e) => e.code).join(", ")}`;
  }
  if (fast.doc.errors.length > 0 || fast.doc.warnings.length > 0) {
    return "fast path reports errors";
  }
  const same = (p: unknown, q: unknown) =>
    JSON.stringify(p) === JSON.stringify(q);
  return diffNode(fast.doc.contents, slow.doc.contents) ??
    (same(fast.lineCounter.lineStarts, slow.lineCounter.lineStarts)
      ? same(fast.doc.range, slow.doc.range) ? "" : "document range"
      : "line starts");
}

/** A file system where every path with an extension is a file, any other a directory. */
export const ANY_FS: GraphFs = {
  readTextFile: () => "",
  stat: (p) => extname(p) === "" ? "dir" : "file",
  realPath: (p) => p,
};

/** What parseGraph makes of `text`: the graph, or the issues as "line:col message". */
export function graphOutcome(text: string, yamlParser: "auto" | "slow") {
  try {
    return parseGraph(text, {
      dir: "/app",
      file: "/app/graph.yml",
      displayFile: "graph.yml",
      fs: ANY_FS,
      yamlParser,
    });
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    return err.issues.map((i) => `${i.loc.line}:${i.loc.col} ${i.message}`);
  }
}

/** Every string literal in TypeScript source `src` (template literals with `${` left out). */
export function stringLiterals(src: string): { value: string; at: number }[] {
  const out: { value: string; at: number }[] = [];
  let prev = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "/" && src[i + 1] === "/") i = src.indexOf("\n", i) >>> 0;
    else if (c === "/" && src[i + 1] === "*") i = src.indexOf("*/", i) + 1;
    else if (c === "/" && /[(,=:[!&|?{};]|^$/.test(prev)) {
      i = skipRegex(src, i); // a regular expression literal
    } else if (c === '"' || c === "'" || c === "`") {
      const start = i;
      let raw = "";
      for (i++; i < src.length && src[i] !== c; i++) {
        raw += src[i];
        if (src[i] === "\\") raw += src[++i];
      }
      if (c !== "`" || !raw.includes("${")) {
        out.push({ value: unescapeJs(raw), at: start });
      }
    }
    if (!/\s/.test(src[i] ?? "")) prev = src[i] ?? "";
  }
  return out;
}

function skipRegex(src: string, i: number): number {
  let inClass = false;
  for (i++; i < src.length && src[i] !== "\n"; i++) {
    if (src[i] === "\\") i++;
    else if (src[i] === "[") inClass = true;
    else if (src[i] === "]") inClass = false;
    else if (src[i] === "/" && !inClass) return i;
  }
  return i;
}

const JS_ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
};

function unescapeJs(raw: string): string {
  return raw.replace(
    /\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\n|.)/g,
    (_, e: string) => {
      if (e[0] === "u" || e[0] === "x") {
        return String.fromCodePoint(parseInt(e.replace(/[ux{}]/g, ""), 16));
      }
      return e === "\n" ? "" : JS_ESCAPES[e] ?? e;
    },
  );
}

const GRAPH_LINE = /^\s*(- )?(title|functions|stores|stages|node_file|table):/m;

/**
 * graph.yml texts written in a test file: whole string literals that look
 * like one, and calls like `y("title: T", "functions: []")` whose
 * arguments are one-line string literals (joined as lines; `fn(...)` gets
 * graph_load_test's `title: T` / `functions:` head).
 */
export function graphTexts(src: string): string[] {
  const lits = stringLiterals(src);
  const found = new Set<string>();
  for (const l of lits) {
    if (l.value.includes("\n") && GRAPH_LINE.test(l.value)) found.add(l.value);
  }
  const call = /\b(y|fn|graphOf)\(/g;
  for (const m of src.matchAll(call)) {
    const args: string[] = [];
    let i = m.index + m[0].length;
    for (const l of lits) {
      if (l.at < i) continue;
      if (src.slice(i, l.at).replace(/[\s,]/g, "") !== "") break;
      args.push(l.value);
      i = l.at + 1 + literalLength(src, l.at);
    }
    if (args.length === 0 || src.slice(i).replace(/^[\s,]*/, "")[0] !== ")") {
      continue;
    }
    const head = m[1] === "fn" ? ["title: T", "functions:"] : [];
    found.add([...head, ...args].join("\n") + "\n");
  }
  return [...found];
}

/** Length of the literal opening at `at`, up to and including its closing quote. */
function literalLength(src: string, at: number): number {
  const q = src[at];
  let i = at + 1;
  while (i < src.length && src[i] !== q) i += src[i] === "\\" ? 2 : 1;
  return i - at;
}
