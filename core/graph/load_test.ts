import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { DEFAULT_TIMEOUT_MS, upstreamOf } from "./graph.ts";
import { type GraphFs, loadGraph, parseGraph } from "./load.ts";
import {
  assertIssues,
  fn,
  issuesOf,
  makeApp,
  ROOT,
  y,
} from "./_load_test_util.ts";
import { GraphError } from "../errors.ts";

Deno.test("loadGraph: collects every issue in one error, sorted by position", async () => {
  const dir = await makeApp(y(
    "titel: T",
    "stores:",
    "  - table: leads",
    "  - table: leads",
    "functions:",
    "  - node_file: a.ts",
    "    inputs: [missing]",
    '    trigger: "61 * * * *"',
    "    timeout: soon",
    "  - node_file: x.rb",
    "  - node_file: b.ts",
    "    permissions: {ffi: true}",
  ));
  const issues = await issuesOf(dir);
  assertIssues(issues, [
    ['unknown key "titel"', "1:1"],
    ['Duplicate store table "leads"', "4:12"],
    ['input table "missing" is produced by no node', "7:14"],
    ["field 1 (minute) value 61 is out of range 0-59", "8:14"],
    ['timeout "soon"', "9:14"],
    ['unsupported extension ".rb"', "10:16"],
    ['permission "ffi" is never granted', "12:19"],
  ]);
  const lines = issues.map((i) => i.loc.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  const err = await loadGraph(dir, { displayFile: "graph.yml" }).catch((e) =>
    e
  );
  assert.equal(err.exitCode, 2);
  assert.match(err.message, /unknown key "titel".*\(graph\.yml:1:1\)\n/);
});

Deno.test("loadGraph: isolate: true gives the node a worker of its own; false and absent do not", async () => {
  const dir = await makeApp(
    y(
      "functions:",
      "  - node_file: a.ts",
      "    isolate: true",
      "  - node_file: b.ts",
      "    isolate: false",
      "  - node_file: c.ts",
    ),
    ["a.ts", "b.ts", "c.ts"],
  );
  const g = await loadGraph(dir);
  assert.deepEqual(g.nodes.map((n) => [n.id, n.isolate]), [
    ["a", true],
    ["b", undefined],
    ["c", undefined],
  ]);
});

Deno.test("loadGraph: stages from stages: and stage:, and cache:", async () => {
  const dir = await makeApp(
    y(
      "title: T",
      "stores: [{table: raw}]",
      "stages:",
      "  - name: load",
      "    functions: [A, b] # a title and an id",
      "  - name: report",
      "functions:",
      "  - node_file: c.ts",
      "    inputs: [tb]",
      "    stage: report",
      "    cache: true",
      "  - node_file: a.ts",
      "    inputs: [raw]",
      "    outputs: [ta]",
      "    stage: load # agrees with the stages: entry",
      "  - node_file: b.ts",
      "    inputs: [ta]",
      "    outputs: [tb]",
      "    cache: false",
      "  - node_file: d.ts",
      "    inputs: [tb]",
      "    stage: extra",
      "  - node_file: e.ts",
      "    inputs: [raw]",
    ),
    ["a.ts", "b.ts", "c.ts", "d.ts", "e.ts"],
  );
  const g = await loadGraph(dir, { displayFile: "graph.yml" });
  assert.deepEqual(g.nodes.map((n) => [n.id, n.stage, n.cache]), [
    ["a", "load", undefined],
    ["b", "load", false],
    ["c", "report", true],
    ["d", "extra", undefined],
    ["e", undefined, undefined],
  ]);
  const at = (line: number, col: number) => ({ file: "graph.yml", line, col });
  assert.deepEqual(g.stages, [
    { name: "load", nodes: ["a", "b"], loc: at(4, 5) },
    { name: "report", nodes: ["c"], loc: at(6, 5) },
    { name: "extra", nodes: ["d"], loc: at(22, 12) },
  ]);
});

Deno.test("loadGraph: stages come in order of first mention; none by default", async () => {
  const dir = await makeApp(y(
    "functions:",
    "  - node_file: a.ts",
    "    outputs: [ta]",
    "    stage: late",
    "  - node_file: b.ts",
    "    inputs: [ta]",
    "stages:",
    "  - name: early",
    "    functions: [B]",
    "  - name: late # declared here, but first mentioned on line 4",
  ));
  const g = await loadGraph(dir, { displayFile: "graph.yml" });
  assert.deepEqual(g.stages.map((s) => [s.name, s.nodes, s.loc.line]), [
    ["late", ["a"], 10],
    ["early", ["b"], 8],
  ]);

  const plain = await loadGraph(await makeApp(fn("  - node_file: a.ts")));
  assert.deepEqual(plain.stages, []);
  assert.equal(plain.nodes[0]?.stage, undefined);
  assert.equal(plain.nodes[0]?.cache, undefined);
});

const PATTERNS_EXAMPLE = y(
  "title: Lead Scoring",
  "description_file: README.md",
  "stores:",
  "  - table: raw_leads",
  "    id: crm",
  "    schema: Lead",
  "  - table: scored_leads # a store may declare a table a node writes",
  "functions:",
  "  - node_file: nodes/report.ts",
  "    trigger: 0 7 * * MON-FRI",
  "    inputs: [scored_leads, form_posts]",
  "  - node_file: ./nodes/score_leads.ts",
  "    description_file: docs/score.md",
  "    inputs:",
  "      leads: raw_leads",
  "      enriched:",
  "    outputs:",
  "      scored: scored_leads",
  "    parameter_values:",
  "      threshold: 0.7",
  "      regions: [EU, US]",
  "    permissions:",
  "      net: [api.clearbit.com, localhost:8080, '[::1]:9000', 10.0.0.1]",
  "      read: [data/lookup.csv]",
  "      write: [out/]",
  "      env: [CLEARBIT_KEY]",
  "    version: 2",
  "    timeout: 1h30m",
  "  - node_file: nodes/enrich.sql",
  "    id: enrich-v2",
  "    title: Enrich with SQL",
  "    inputs: [raw_leads]",
  "    outputs: [enriched]",
  "    parameters: {limit: 100}",
  "    timeout: 45",
  "  - webhook: form_posts",
  "    title: Form posts",
);

Deno.test("loadGraph: the full Patterns example", async () => {
  const dir = await makeApp(PATTERNS_EXAMPLE, [
    "nodes/report.ts",
    "nodes/score_leads.ts",
    "nodes/enrich.sql",
    "README.md",
    "docs/score.md",
  ]);
  const g = await loadGraph(dir, { displayFile: "app/graph.yml" });
  assert.equal(g.dir, dir);
  assert.equal(g.file, join(dir, "graph.yml"));
  assert.equal(g.title, "Lead Scoring");
  assert.equal(g.slug, "lead-scoring");
  assert.equal(g.descriptionFile, join(dir, "README.md"));
  assert.deepEqual(g.stores, [
    {
      table: "raw_leads",
      id: "crm",
      schema: "Lead",
      loc: { file: "app/graph.yml", line: 4, col: 5 },
    },
    { table: "scored_leads", loc: { file: "app/graph.yml", line: 7, col: 5 } },
  ]);
  assert.deepEqual(g.webhooks, [
    {
      table: "form_posts",
      id: "webhook_form_posts",
      loc: { file: "app/graph.yml", line: 36, col: 5 },
    },
  ]);

  // Topological order: enrich (file order 3) must precede score_leads (2), which precedes report (1).
  assert.deepEqual(g.nodes.map((n) => n.id), [
    "enrich-v2",
    "score_leads",
    "report",
  ]);
  assert.deepEqual(
    [...g.producers],
    [["scored_leads", "score_leads"], ["enriched", "enrich-v2"]],
  );

  const [enrich, score, report] = g.nodes;
  assert.ok(enrich && score && report);
  assert.deepEqual(upstreamOf(g, score), ["enrich-v2"]);

  assert.equal(report.title, "Report");
  assert.deepEqual(report.trigger, { kind: "cron", expr: "0 7 * * MON-FRI" });
  assert.deepEqual(report.inputs, {
    scored_leads: "scored_leads",
    form_posts: "form_posts",
  });
  assert.equal(report.timeoutMs, DEFAULT_TIMEOUT_MS);
  assert.deepEqual(report.permissions, {
    net: [],
    read: [],
    write: [],
    env: [],
  });

  assert.equal(score.title, "Score Leads");
  assert.equal(score.kind, "ts");
  assert.equal(score.file, join(dir, "nodes/score_leads.ts"));
  assert.equal(score.relFile, "nodes/score_leads.ts");
  assert.equal(score.descriptionFile, join(dir, "docs/score.md"));
  assert.deepEqual(score.trigger, { kind: "manual" });
  assert.deepEqual(score.inputs, { leads: "raw_leads", enriched: "enriched" });
  assert.deepEqual(score.outputs, { scored: "scored_leads" });
  assert.deepEqual(score.parameterValues, {
    threshold: 0.7,
    regions: ["EU", "US"],
  });
  assert.deepEqual(score.permissions, {
    net: ["api.clearbit.com", "localhost:8080", "[::1]:9000", "10.0.0.1"],
    read: [join(dir, "data/lookup.csv")],
    write: [join(dir, "out")],
    env: ["CLEARBIT_KEY"],
  });
  assert.equal(score.version, "2");
  assert.equal(score.timeoutMs, 90 * 60 * 1000);
  assert.equal(score.memoryMb, undefined);
  const at = (key: string) => {
    const l = score.keyLocs[key];
    return l && `${l.file}:${l.line}:${l.col}`;
  };
  assert.equal(at("node_file"), "app/graph.yml:12:16");
  assert.equal(at("inputs.leads"), "app/graph.yml:15:7");
  assert.equal(at("inputs.enriched"), "app/graph.yml:16:7");
  assert.equal(at("outputs.scored"), "app/graph.yml:18:7");
  assert.equal(at("parameters.threshold"), "app/graph.yml:20:7");
  assert.equal(at("permissions"), "app/graph.yml:22:5");
  assert.equal(at("permissions.net"), "app/graph.yml:23:7");
  assert.equal(at("timeout"), "app/graph.yml:28:14");
  assert.deepEqual(score.loc, { file: "app/graph.yml", line: 12, col: 5 });

  assert.equal(enrich.kind, "sql");
  assert.equal(enrich.title, "Enrich with SQL");
  assert.deepEqual(enrich.parameterValues, { limit: 100 });
  assert.equal(enrich.timeoutMs, 45_000);
  assert.equal(report.keyLocs["inputs.form_posts"]?.col, 28);
});

Deno.test("loadGraph: ties keep file order; ids and titles derive from file names", async () => {
  const dir = await makeApp(
    y(
      "functions:",
      "  - node_file: nodes/Load CSV.ts",
      "    outputs: [rows]",
      "  - node_file: z-last.mjs",
      "  - node_file: nodes/a_first.tsx",
      "    inputs: [rows]",
      "  - node_file: b.jsx",
      "  - node_file: c.js",
    ),
    ["nodes/Load CSV.ts", "z-last.mjs", "nodes/a_first.tsx", "b.jsx", "c.js"],
  );
  const g = await loadGraph(dir);
  assert.deepEqual(g.nodes.map((n) => n.id), [
    "load_csv",
    "z-last",
    "a_first",
    "b",
    "c",
  ]);
  assert.deepEqual(g.nodes.map((n) => n.title), [
    "Load CSV",
    "Z Last",
    "A First",
    "B",
    "C",
  ]);
  assert.ok(g.nodes.every((n) => n.kind === "ts"));
  // No title: falls back to the directory name.
  assert.equal(g.title, basename(dir));
  assert.match(g.slug, /^app-\d+$/);
});

Deno.test("loadGraph: explicit slug, null-mapped ports and empty sections", async () => {
  const dir = await makeApp(y(
    "title: Ünïcode & Friends!",
    "stores:",
    "functions:",
    "  - node_file: a.ts",
    "    inputs:",
    "    outputs:",
    "      out:",
    "    permissions:",
    "      net:",
    "  - node_file: b.ts",
    "    permissions: &shared",
    "      env: [TOKEN]",
    "    inputs:",
    "      - &table out",
    "  - node_file: c.ts",
    "    permissions: *shared",
    "    inputs: [*table]",
  ));
  const g = await loadGraph(dir);
  assert.equal(g.slug, "unicode-friends");
  assert.deepEqual(g.nodes[0]?.outputs, { out: "out" });
  assert.deepEqual(g.nodes[0]?.inputs, {});
  // Anchors and aliases resolve.
  assert.deepEqual(g.nodes[2]?.permissions.env, ["TOKEN"]);
  assert.deepEqual(g.nodes[2]?.inputs, { out: "out" });

  const dir2 = await makeApp(y("title: X", "slug: my_app-2", "functions: []"));
  assert.equal((await loadGraph(dir2)).slug, "my_app-2");
});

Deno.test("loadGraph: default displayFile is relative to the working directory", async () => {
  const root = await Deno.makeTempDir({ dir: ROOT });
  await Deno.mkdir(join(root, "app"));
  const cwd = Deno.cwd();
  Deno.chdir(root);
  try {
    const err = await loadGraph("app").catch((e) => e);
    assert.ok(err instanceof GraphError);
    assert.deepEqual(err.issues[0]?.loc, {
      file: join("app", "graph.yml"),
      line: 1,
      col: 1,
    });
  } finally {
    Deno.chdir(cwd);
  }
  const err = await loadGraph(join(root, "app")).catch((e) => e);
  assert.equal(err.issues[0]?.loc.file, join(root, "app", "graph.yml"));
});

Deno.test("parseGraph: works on an in-memory file system", () => {
  const files = new Set(["/app/a.ts", "/app/sub/b.sql"]);
  const fs: GraphFs = {
    readTextFile: () => {
      throw new Error("not used");
    },
    stat: (p) =>
      files.has(p)
        ? "file"
        : p === "/app" || p === "/app/sub"
        ? "dir"
        : undefined,
    realPath: (p) => p,
  };
  const g = parseGraph(
    y(
      "title: Mem",
      "stores: [{table: src}]",
      "functions:",
      "  - node_file: a.ts",
      "    inputs: [src]",
      "    outputs: {o: mid}",
      "  - node_file: sub/b.sql",
      "    inputs: {m: mid}",
    ),
    { dir: "/app", file: "/app/graph.yml", displayFile: "mem.yml", fs },
  );
  assert.deepEqual(g.nodes.map((n) => [n.id, n.kind, n.relFile]), [
    ["a", "ts", "a.ts"],
    ["b", "sql", "sub/b.sql"],
  ]);
  assert.equal(g.nodes[1]?.keyLocs["inputs.m"]?.file, "mem.yml");

  assert.throws(
    () =>
      parseGraph(y("functions:", "  - node_file: gone.ts"), {
        dir: "/app",
        file: "/app/graph.yml",
        displayFile: "mem.yml",
        fs,
      }),
    (e: unknown) =>
      e instanceof GraphError && e.issues[0]?.loc.line === 2 &&
      e.issues[0].loc.col === 16,
  );
});

Deno.test("loadGraph: memory: in MB or GB (MiB and GiB), or a number of MB", () => {
  const files = new Set(["/app/a.ts", "/app/b.ts", "/app/c.ts", "/app/d.ts"]);
  const fs: GraphFs = {
    readTextFile: () => {
      throw new Error("not used");
    },
    stat: (p) => files.has(p) ? "file" : p === "/app" ? "dir" : undefined,
    realPath: (p) => p,
  };
  const g = parseGraph(
    y(
      "functions:",
      "  - node_file: a.ts",
      "    memory: 512MB",
      "  - node_file: b.ts",
      "    memory: 1.5 GiB",
      "  - node_file: c.ts",
      "    memory: 300",
      "  - node_file: d.ts",
    ),
    { dir: "/app", file: "/app/graph.yml", displayFile: "graph.yml", fs },
  );
  assert.deepEqual(g.nodes.map((n) => n.memoryMb), [
    512,
    1536,
    300,
    undefined,
  ]);
});
