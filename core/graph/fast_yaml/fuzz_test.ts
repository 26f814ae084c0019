import assert from "node:assert/strict";
import { compareParsers, graphOutcome } from "./_test_util.ts";

/** xorshift32: the same texts on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Plain scalars of every resolved type, and strings with YAML-ish characters. */
// deno-fmt-ignore
const WORDS = [
  "a", "node_file", "x.ts", "t_1", "Score Leads", "ünï", "日本", "😀", "a:b",
  "a#b", "http://x.com/a", "a, b", "x]", "-1", "-x", "0o17", "0x1F", "1e3",
  "1.50", ".5", "+3", ".inf", "-.Inf", ".nan", "true", "False", "null", "~",
  "NULL", "12", "007", "1_000", "yes", "2024-01-01", "a b  c", "q'q", 'q"q',
  "a -b", "a ?b", "é",
];
// deno-fmt-ignore
const KEYS = [
  "title", "functions", "inputs", "a", "out", "node_file", "k k", "1", "true",
  "null", "x.y", "a-b", "ü",
];
const ESCAPES = ["\\n", "\\t", "\\\\", "\\x41", "\\u00e9", "\\U0001F600"];

/** Random graph-like YAML: nested block maps and lists, flow values, comments and blank lines at random depths. */
function generator(seed: number): () => string {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const chance = (p: number) => r() < p;
  const n = (max: number) => Math.floor(r() * max);
  const sp = () => pick(["", "", " ", "  "]);
  const dq = () =>
    JSON.stringify(pick(WORDS)).slice(0, -1) +
    (chance(0.3) ? pick(ESCAPES) : "") + '"';
  const sq = () => `'${pick(WORDS).replaceAll("'", "''")}'`;
  const scalar = () => chance(0.6) ? pick(WORDS) : chance(0.5) ? dq() : sq();
  const flow = (depth: number): string => {
    const item = () => depth < 2 && chance(0.2) ? flow(depth + 1) : scalar();
    const count = n(4);
    if (chance(0.5)) {
      const items = Array.from({ length: count }, () => sp() + item() + sp());
      return `[${count === 0 ? sp() : items.join(",")}]`;
    }
    const pairs = Array.from(
      { length: count },
      () => `${sp()}${scalar()}${sp()}: ${sp()}${item()}${sp()}`,
    );
    return `{${count === 0 ? sp() : pairs.join(",")}}`;
  };
  const key = () =>
    (chance(0.15) ? pick([dq(), sq()]) : pick(KEYS)) +
    (chance(0.1) ? pick([" ", "   "]) : "");
  const tail = () =>
    (chance(0.15) ? pick([" ", "  "]) : "") +
    (chance(0.15) ? pick([" # c", "  #c: x", " #"]) : "");
  const value = () => chance(0.7) ? scalar() : flow(0);
  const lines: string[] = [];
  const trivia = () => {
    while (chance(0.25)) {
      lines.push(
        chance(0.5)
          ? " ".repeat(n(3))
          : `${" ".repeat(n(9))}# ${pick(["c", "x: y", "- z"])}`,
      );
    }
  };
  const map = (col: number, head: string | null, depth: number) => {
    for (let i = 0, count = 1 + n(4); i < count; i++) {
      trivia();
      const start = (i === 0 ? head : null) ?? " ".repeat(col);
      const x = r();
      if (depth < 4 && x < 0.35) {
        lines.push(`${start}${key()}:${tail()}`);
        trivia();
        if (chance(0.5)) list(chance(0.4) ? col : col + 1 + n(3), depth + 1);
        else map(col + 1 + n(3), null, depth + 1);
      } else if (x < 0.45) lines.push(`${start}${key()}:${tail()}`);
      else {lines.push(
          `${start}${key()}:${" ".repeat(1 + n(2))}${value()}${tail()}`,
        );}
    }
  };
  const list = (col: number, depth: number) => {
    for (let i = 0, count = 1 + n(4); i < count; i++) {
      trivia();
      const dash = " ".repeat(col) + "-";
      const x = r();
      if (depth < 4 && x < 0.4) {
        const gap = 1 + n(3);
        map(col + 1 + gap, dash + " ".repeat(gap), depth + 1);
      } else if (depth < 4 && x < 0.5) {
        lines.push(dash + tail());
        trivia();
        if (chance(0.5)) map(col + 1 + n(3), null, depth + 1);
        else list(col + 1 + n(3), depth + 1);
      } else lines.push(`${dash}${" ".repeat(1 + n(2))}${value()}${tail()}`);
    }
  };
  return () => {
    lines.length = 0;
    trivia();
    if (chance(0.1)) list(0, 0);
    else map(0, null, 0);
    trivia();
    const eol = chance(0.2) ? "\r\n" : "\n";
    return lines.join(eol) + (chance(0.8) ? eol : "");
  };
}

/** Characters and fragments that leave the subset or break the YAML. */
// deno-fmt-ignore
const INSERTS = [
  "&a ", "*a", "!t ", "|", ">", "\t", "---\n", "? ", "<<: ", ":", "#", "- ",
  "  ", "\n", "'", '"', "[", "]", "{", "}", ",", "\r", "\\", "%", "...\n",
  "\ufeff", " ",
];

/** One random edit: a character inserted or dropped, or a line indented, dropped, doubled, swapped or commented. */
function mutate(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const x = r();
  if (x < 0.4) {
    return text.slice(0, at) + INSERTS[Math.floor(r() * INSERTS.length)] +
      text.slice(at);
  }
  if (x < 0.5) return text.slice(0, at) + text.slice(at + 1);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const ls = text.split(eol);
  const i = Math.floor(r() * ls.length);
  const j = Math.floor(r() * ls.length);
  const line = ls[i]!;
  const y = r();
  if (y < 0.3) ls[i] = " " + line;
  else if (y < 0.5) ls[i] = line.replace(/^ /, "");
  else if (y < 0.6) ls.splice(i, 0, line);
  else if (y < 0.7) ls.splice(i, 1);
  else if (y < 0.85) ls.splice(i, 0, " ".repeat(Math.floor(r() * 8)) + "#m");
  else [ls[i], ls[j]] = [ls[j]!, line];
  return ls.join(eol);
}

Deno.test("fast YAML path: random documents read exactly as npm:yaml reads them", () => {
  let taken = 0;
  const seeds = 2500;
  for (let seed = 1; seed <= seeds; seed++) {
    const text = generator(seed)();
    const diff = compareParsers(text);
    assert.ok(
      diff === undefined || diff === "",
      `${diff} in ${JSON.stringify(text)}`,
    );
    if (diff === "") taken++;
    if (seed % 5 === 0) {
      assert.deepEqual(graphOutcome(text, "auto"), graphOutcome(text, "slow"));
    }
  }
  // The generator also writes things the fast path leaves to npm:yaml (empty
  // "-" items, flow maps with bare keys); most documents are still taken.
  assert.ok(taken > seeds * 0.4, `fast path took only ${taken} of ${seeds}`);
});

Deno.test("fast YAML path: mutated documents are read exactly as npm:yaml reads them, or declined", () => {
  for (let seed = 1; seed <= 2500; seed++) {
    const r = rng(seed * 7919);
    let text = generator(seed)();
    for (let k = 0; k < 1 + (seed % 3); k++) {
      text = mutate(text, r);
      const diff = compareParsers(text);
      assert.ok(
        diff === undefined || diff === "",
        `${diff} in ${JSON.stringify(text)}`,
      );
    }
  }
});
