import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import type { Graph } from "../graph/graph.ts";
import { type GraphFs, parseGraph } from "../graph/load.ts";
import { downstreamOf, selectNodes, upstreamClosure } from "./selection.ts";

/** Parses graph.yml lines against an in-memory app where every file exists. */
function graphOf(...lines: string[]): Graph {
  const fs: GraphFs = {
    readTextFile: () => {
      throw new Error("not used");
    },
    stat: (p) => p === "/app" || p === "/app/nodes" ? "dir" : "file",
    realPath: (p) => p,
  };
  return parseGraph(lines.join("\n") + "\n", {
    dir: "/app",
    file: "/app/graph.yml",
    displayFile: "graph.yml",
    fs,
  });
}

// Run order: load, clean, score_leads, side, report, hook.
const G = graphOf(
  "stores: [{table: raw}]",
  "functions:",
  "  - node_file: report.ts",
  "    inputs: [scored, side]",
  "  - node_file: nodes/score_leads.ts",
  "    inputs: [clean]",
  "    outputs: [scored]",
  "  - node_file: clean.sql",
  "    inputs: [rows]",
  "    outputs: [clean]",
  "    stage: ingest",
  "  - node_file: load.ts",
  "    title: Load CSV",
  "    inputs: [raw]",
  "    outputs: [rows]",
  "    stage: ingest",
  "  - node_file: side.ts",
  "    inputs: [raw]",
  "    outputs: [side]",
  "  - node_file: hook.ts",
  "    inputs: [posts]",
  "  - webhook: posts",
);

const ids = (selectors: string[], stage?: string) =>
  selectNodes(G, selectors, stage === undefined ? {} : { stage }).map((n) =>
    n.id
  );

/** Asserts that selecting throws a UsageError whose message is `message`. */
function assertUsage(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
    assert.equal(e.message, message);
    return true;
  });
}

const NODE_LIST =
  'load ("Load CSV"), clean ("Clean"), score_leads ("Score Leads"), side ("Side"), report ("Report"), hook ("Hook")';

Deno.test("selectNodes: no selectors and no stage select every node", () => {
  assert.deepEqual(ids([]), [
    "load",
    "clean",
    "score_leads",
    "side",
    "report",
    "hook",
  ]);
  // A copy: callers may not change the graph through it.
  assert.notEqual(selectNodes(G, []), G.nodes);
});

Deno.test("selectNodes: by id, title, file or file stem, in graph order", () => {
  assert.deepEqual(ids(["clean"]), ["clean"]);
  assert.deepEqual(ids(["Load CSV"]), ["load"]);
  assert.deepEqual(ids(["nodes/score_leads.ts"]), ["score_leads"]);
  assert.deepEqual(ids(["nodes/score_leads"]), ["score_leads"]);
  assert.deepEqual(ids(["report", "load", "report"]), ["load", "report"]);
});

Deno.test("selectNodes: a+ / +a / +a+ add downstream, upstream, or both", () => {
  assert.deepEqual(ids(["Score Leads+"]), ["score_leads", "report"]);
  assert.deepEqual(ids(["+Score Leads"]), ["load", "clean", "score_leads"]);
  assert.deepEqual(ids(["+score_leads+"]), [
    "load",
    "clean",
    "score_leads",
    "report",
  ]);
  assert.deepEqual(ids(["load+"]), [
    "load",
    "clean",
    "score_leads",
    "report",
  ]);
  assert.deepEqual(ids(["+report"]), [
    "load",
    "clean",
    "score_leads",
    "side",
    "report",
  ]);
  assert.deepEqual(ids(["side+", "clean"]), ["clean", "side", "report"]);
  // Webhook tables and stores end the walk.
  assert.deepEqual(ids(["+hook+"]), ["hook"]);
  assert.deepEqual(ids([" Score Leads + "]), ["score_leads", "report"]);
});

Deno.test("selectNodes: names ending in + are read literally first", () => {
  const g = graphOf(
    "functions:",
    "  - node_file: a.ts",
    "    title: C++",
    "    outputs: [ta]",
    "  - node_file: b.ts",
    "    inputs: [ta]",
    "    outputs: [tb]",
    "  - node_file: c.ts",
    "    inputs: [tb]",
  );
  const sel = (s: string) => selectNodes(g, [s]).map((n) => n.id);
  assert.deepEqual(sel("C++"), ["a"]);
  assert.deepEqual(sel("C+++"), ["a", "b", "c"]);
  assert.deepEqual(sel("+C++"), ["a"]);
  assert.deepEqual(sel("+b+"), ["a", "b", "c"]);
});

Deno.test("selectNodes: a stage, alone or with selectors", () => {
  assert.deepEqual(ids([], "ingest"), ["load", "clean"]);
  assert.deepEqual(ids(["hook", "clean"], "ingest"), ["load", "clean", "hook"]);
  assert.deepEqual(ids(["side+"], "ingest"), [
    "load",
    "clean",
    "side",
    "report",
  ]);
  assertUsage(
    () => ids([], "ingst"),
    'No stage named "ingst" in /app/graph.yml (did you mean "ingest"?): stages: "ingest"',
  );
  assertUsage(
    () => ids(["load"], "zzz"),
    'No stage named "zzz" in /app/graph.yml: stages: "ingest"',
  );
  const plain = graphOf("functions:", "  - node_file: a.ts");
  assertUsage(
    () => selectNodes(plain, [], { stage: "x" }),
    'No stage named "x" in /app/graph.yml: it declares no stages (add stages: or stage: keys to group nodes)',
  );
});

Deno.test("selectNodes: unknown selectors", () => {
  assertUsage(
    () => ids(["nope"]),
    `No node named "nope" in /app/graph.yml: use a node id, title or file (nodes: ${NODE_LIST})`,
  );
  assertUsage(
    () => ids(["Scroe Leads+"]),
    `No node named "Scroe Leads+" in /app/graph.yml (did you mean "Score Leads+"?): use a node id, title or file (nodes: ${NODE_LIST})`,
  );
  assertUsage(
    () => ids(["clean", "lod", "+", "repotr"]),
    `No node named "lod", "+", "repotr" in /app/graph.yml (did you mean "load" for "lod", "report" for "repotr"?): use a node id, title or file (nodes: ${NODE_LIST})`,
  );
  const empty = graphOf("functions: []");
  assertUsage(
    () => selectNodes(empty, ["a"]),
    'No node named "a" in /app/graph.yml: use a node id, title or file (nodes: the graph has none)',
  );
});

Deno.test("downstreamOf: transitive, without the start unless reached", () => {
  assert.deepEqual(
    [...downstreamOf(G, ["load"])].sort(),
    ["clean", "report", "score_leads"],
  );
  assert.deepEqual(
    [...downstreamOf(G, new Set(["load", "clean"]))].sort(),
    ["clean", "report", "score_leads"],
  );
  assert.deepEqual([...downstreamOf(G, ["report", "nope"])], []);
});

Deno.test("upstreamClosure: the nodes and everything they read from", () => {
  assert.deepEqual(
    [...upstreamClosure(G, ["report"])].sort(),
    ["clean", "load", "report", "score_leads", "side"],
  );
  assert.deepEqual([...upstreamClosure(G, ["load", "nope"])], ["load"]);
  assert.deepEqual([...upstreamClosure(G, ["hook"])], ["hook"]);
});
