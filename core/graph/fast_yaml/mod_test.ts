import assert from "node:assert/strict";
import { join } from "node:path";
import { fastParseDocument } from "./mod.ts";
import {
  compareParsers,
  graphOutcome,
  graphTexts,
  REPO,
} from "./_test_util.ts";
import { graphTemplate } from "../../scaffold/_templates.ts";

/** Asserts both parsers agree on `text`: same AST when the fast path takes it, same graph or issues. */
function assertSame(text: string, mustBeFast: boolean): void {
  const ast = compareParsers(text);
  const shown = JSON.stringify(text).slice(0, 300);
  if (mustBeFast) {
    assert.notEqual(ast, undefined, `fast path declined ${shown}`);
  }
  assert.ok(ast === undefined || ast === "", `${ast} in ${shown}`);
  assert.deepEqual(
    graphOutcome(text, "auto"),
    graphOutcome(text, "slow"),
    shown,
  );
}

/** graph.yml texts written in the test files of `dir` and its subfolders. */
function textsIn(
  dir: string,
  out = new Map<string, string[]>(),
): Map<string, string[]> {
  for (const e of Deno.readDirSync(join(REPO, dir))) {
    if (e.isDirectory) textsIn(`${dir}/${e.name}`, out);
    if (!e.name.endsWith(".ts")) continue;
    const texts = graphTexts(Deno.readTextFileSync(join(REPO, dir, e.name)));
    if (texts.length > 0) out.set(`${dir}/${e.name}`, texts);
  }
  return out;
}

/** The graph shape used to time planning: `n` nodes in a chain. */
function chain(n: number): string {
  const lines = ["title: G", "functions:"];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  - node_file: n${i}.ts`,
      "    inputs:",
      `      a: t${i}`,
      "    outputs:",
      `      out: t${i + 1}`,
    );
  }
  return lines.join("\n") + "\n";
}

Deno.test("fast YAML path: every graph.yml in the tests reads the same on both paths", () => {
  const corpus = new Map([...textsIn("core"), ...textsIn("tests")]);
  const loadTests = [...corpus]
    .filter(([file]) => /^core\/graph\/load(_bad_\w+)?_test\.ts$/.test(file))
    .flatMap(([, texts]) => texts);
  // Guards the extraction itself: the graph/load tests write ~85 graphs.
  assert.ok(loadTests.length >= 80, `only ${loadTests.length} graphs found`);
  let fast = 0;
  let invalid = 0;
  for (const texts of corpus.values()) {
    for (const text of texts) {
      assertSame(text, false);
      if (fastParseDocument(text) !== undefined) fast++;
      if (Array.isArray(graphOutcome(text, "slow"))) invalid++;
    }
  }
  assert.ok(fast >= 100, `fast path taken for only ${fast} texts`);
  assert.ok(invalid >= 40, `only ${invalid} invalid graphs compared`);
});

Deno.test("fast YAML path: taken for the example app, the scaffold template and big graphs", () => {
  const example = Deno.readTextFileSync(
    join(REPO, "examples/leads/graph.yml"),
  );
  const templates = [
    graphTemplate("My App", "my-app"),
    graphTemplate('Ünïcode: "quotes" & #hash', "x"),
    graphTemplate("yes", "123"),
  ];
  for (const text of [example, ...templates, chain(300)]) {
    assertSame(text, true);
    assertSame(text.replace(/\r?\n/g, "\r\n"), true);
  }
  const big = fastParseDocument(chain(10_000));
  assert.ok(big !== undefined, "10k-node graph left to npm:yaml");
  assert.equal(big.doc.errors.length, 0);
  assert.equal(big.doc.warnings.length, 0);
});

const y = (...lines: string[]) => lines.join("\n") + "\n";

/** Texts inside the fast path's subset; each must be taken and read alike. The first two are valid graphs. */
const HANDLED: string[] = [
  y(
    "# head comment",
    "",
    "title:   'It''s a \"test\"'   # trailing",
    'slug: "a-b"',
    "description_file : README.md",
    'stores: [ {table: a}, { table: "b" , id: x } ]',
    "functions:",
    "  # before an entry",
    "  - node_file: a.ts   ",
    "    inputs: [ a , b ]",
    "      # indented deeper: belongs to the value above",
    "    outputs:",
    "      o1: c   # comment",
    "",
    "      o2: d",
    "    parameters: {n: 1, f: 1.50, e: 1e3, h: 0x1F, o: 0o17, t: true, z: ~}",
    "    cache: false",
    "    timeout: 90",
    "    version: 1.10",
    "# between entries, at column 0",
    "  - node_file: b.ts",
    "    trigger: 0 7 * * MON-FRI",
    "    inputs:",
    "    - c",
    "    - 'd'",
    "    permissions:",
    '      net: ["api.x.com", localhost:8080, "[::1]:9000", b.io:443]',
    "      env: []",
    "      read: [ ]",
    "",
    "",
    "  - webhook: hooks",
    '    title: "\\u00e9\\x41\\t\\"q\\" \\\\ \\U0001F600 日本"',
    "stages:",
    "- name: s1",
    "  functions: [A]",
    "   # deeper than the list",
    "# trailing comment",
    "",
  ),
  y(
    "functions:",
    "  -   node_file: a.ts",
    "      title:   Spaced   Out",
    "      inputs:",
    "        # comment between key and value",
    "        x: y",
    "  -",
    "    node_file: b.ts",
    "    outputs:",
    "      - z",
    "",
    "        # deep comment after a list",
    "stores: [{table: y}]",
    "title: T",
  ),
  "title: T\nfunctions: []   ",
  "title: T\r\nfunctions:\r\n  - node_file: a.ts\r\n    inputs:   # none\r\n",
  y("title: 2024", "slug: null", "stores: ~", "functions: {}", "stages: -1"),
  y("'title': \"T\"", '"functions" :', "  - node_file: a.ts", "title: again"),
];

/** Texts outside the subset: the fast path must decline them. */
const DECLINED: string[] = [
  "",
  y("# only", "  # comments"),
  y("title: &t T", "slug: *t"),
  y("title: !!str T"),
  y("title: |", "  block"),
  y("title: >-", "  folded"),
  y("title: T", "---", "title: U"),
  y("%YAML 1.2", "---", "title: T"),
  y("? title", ": T"),
  y("<<: {title: T}"),
  y("title: T", "functions:", "\t- node_file: a.ts"),
  "\ufefftitle: T\n",
  y("title: a", "  continued"),
  y("title: [a,", "  b]"),
  y("title: 'a", "  b'"),
  y("functions:", "  - node_file: a.ts", "  -"),
  y("title: a: b"),
  y("  title: T"),
  y("- a", "- - b"),
  y("title: T", "functions: [a, b", "stores: []"),
  y("title: T", "  slug: x"),
  y("title: T", "title"),
  y('title: "\\q"'),
];

Deno.test("fast YAML path: hand-picked texts inside the subset", () => {
  for (const text of HANDLED.slice(0, 2)) {
    const g = graphOutcome(text, "auto");
    assert.ok(!Array.isArray(g), `not a valid graph: ${g}`);
  }
  for (const text of HANDLED) {
    assertSame(text, true);
    assertSame(text.replace(/\r?\n/g, "\r\n"), true);
  }
});

Deno.test("fast YAML path: declines what it does not handle, and parseGraph still agrees", () => {
  for (const text of DECLINED) {
    assert.equal(fastParseDocument(text), undefined, JSON.stringify(text));
    assertSame(text, false);
  }
});
