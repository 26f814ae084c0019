// (d) per-node overhead: a trivial node, run 50 times; the median of the
// node's recorded duration (worker spawn, module load, round trip, commit)
// and of the whole run (records included); and the same node with a
// `memory:` limit, which runs in a sandbox process of its own.

import { loadGraph } from "../core/graph/load.ts";
import { runGraph } from "../core/run/runner.ts";
import { openStore } from "../stores/mod.ts";
import { type BenchRow, median, tempApp } from "./_util.ts";

/** Runs the trivial node `times` times; returns medians in ms. */
export async function nodeOverhead(
  times: number,
  memory?: string,
): Promise<{ node: number; run: number }> {
  const dir = await tempApp({
    "graph.yml": `title: Bench\nfunctions:\n  - node_file: noop.ts\n${
      memory ? `    memory: ${memory}\n` : ""
    }`,
    "noop.ts": `export default () => {};\n`,
  });
  const graph = await loadGraph(dir);
  const store = await openStore(undefined, dir);
  const nodes: number[] = [];
  const runs: number[] = [];
  try {
    await runGraph(graph, store, { force: true }); // warm-up: module cache, first worker
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      // --force: the node must really run each time, not be cached.
      const r = await runGraph(graph, store, { force: true });
      runs.push(performance.now() - t0);
      nodes.push(r.nodes[0]!.durationMs);
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
  return { node: median(nodes), run: median(runs) };
}

/** Report rows for (d). */
export async function overheadBench(times: number): Promise<BenchRow[]> {
  const { node, run } = await nodeOverhead(times);
  const bounded = await nodeOverhead(Math.min(times, 20), "256MB");
  return [
    {
      name: `(d) trivial node, median of ${times}: node execution`,
      value: `${node.toFixed(1)} ms`,
      goal: "≤ 25 ms",
      met: node <= 25,
    },
    {
      name: "(d) trivial node, median: whole run incl. records",
      value: `${run.toFixed(1)} ms`,
    },
    {
      name:
        "(d) same node with `memory: 256MB` (a sandbox process), median: node execution",
      value: `${bounded.node.toFixed(1)} ms`,
      ratio: `${(bounded.node / node).toFixed(1)}× the Worker`,
    },
  ];
}
