// (d) per-node overhead: a trivial node, run 50 times; the median of the
// node's recorded duration (module load, round trips, commit) and of the
// whole run (records included), in a warm worker (as in `runnel serve`,
// whose workers outlive runs), and cold: a new sandbox process per run (as
// the first node of a `runnel run`).

import { loadGraph } from "../core/graph/load.ts";
import { runGraph } from "../core/run/runner.ts";
import { SandboxPool } from "../core/sandbox/pool.ts";
import { openStore } from "../stores/mod.ts";
import { type BenchRow, median, tempApp } from "./_util.ts";

/** Runs the trivial node `times` times; returns medians in ms. */
export async function nodeOverhead(
  times: number,
  warm: boolean,
): Promise<{ node: number; run: number }> {
  const dir = await tempApp({
    "graph.yml": `title: Bench\nfunctions:\n  - node_file: noop.ts\n`,
    "noop.ts": `export default () => {};\n`,
  });
  const graph = await loadGraph(dir);
  const store = await openStore(undefined, dir);
  const pool = warm ? new SandboxPool(graph) : undefined;
  const nodes: number[] = [];
  const runs: number[] = [];
  try {
    await runGraph(graph, store, { force: true, pool }); // warm-up
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      // --force: the node must really run each time, not be cached.
      const r = await runGraph(graph, store, { force: true, pool });
      runs.push(performance.now() - t0);
      nodes.push(r.nodes[0]!.durationMs);
    }
  } finally {
    pool?.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
  return { node: median(nodes), run: median(runs) };
}

/** Report rows for (d). */
export async function overheadBench(times: number): Promise<BenchRow[]> {
  const { node, run } = await nodeOverhead(times, true);
  const cold = await nodeOverhead(Math.min(times, 20), false);
  return [
    {
      name: `(d) trivial node, warm worker, median of ${times}: node execution`,
      value: `${node.toFixed(1)} ms`,
      goal: "≤ 5 ms",
      met: node <= 5,
    },
    {
      name: "(d) trivial node, warm worker, median: whole run incl. records",
      value: `${run.toFixed(1)} ms`,
    },
    {
      name:
        "(d) same node cold (a new sandbox process per run), median: node execution",
      value: `${cold.node.toFixed(1)} ms`,
      ratio: `${(cold.node / node).toFixed(1)}× warm`,
    },
  ];
}
