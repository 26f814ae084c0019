// Planner benchmarks: whole `runnel run` processes on generated graphs, and
// in-process planning of a large graph. Baselines are measured in the same
// run; the pydiverse.pipedag figures are the measurements on this
// machine (a reference, not re-measured here).

import { join } from "node:path";
import { parse } from "npm:yaml@^2.8.0";
import { loadGraph } from "../core/graph/load.ts";
import { planGraph } from "../core/plan/plan.ts";
import { openStore } from "../stores/mod.ts";
import { type BenchRow, generate, median, runnel } from "./_util.ts";
import { workerFloor } from "./worker_floor.ts";

const fmt = (ms: number) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;

/** Chains of 100 and 1,000 nodes and no-op reruns, as whole processes. */
export async function processBench(): Promise<BenchRow[]> {
  const startup = median(
    await Promise.all([0, 1, 2].map(() => runnel(["--version"]))),
  );
  const floor = await workerFloor();
  // A chain runs one node after the other in one warm worker: the floor is
  // starting Runnel, one sandbox process, and an empty run per node.
  const chainFloor = (n: number) => startup + floor.spawnMs + n * floor.warmMs;
  const chain = await generate(100, (i) => (i === 0 ? [] : [i - 1]));
  const first = await runnel(["run", "--app", chain]);
  const noop = median([
    await runnel(["run", "--app", chain]),
    await runnel(["run", "--app", chain]),
    await runnel(["run", "--app", chain]),
  ]);
  const long = await generate(1000, (i) => (i === 0 ? [] : [i - 1]));
  const longFirst = await runnel(["run", "--app", long]);
  const wide = await generate(
    1000,
    (i) => (i < 10 ? [] : [i % 10, Math.floor(i / 2)]),
  );
  await runnel(["run", "--app", wide]);
  const wideNoop = median([
    await runnel(["run", "--app", wide]),
    await runnel(["run", "--app", wide]),
  ]);
  for (const d of [chain, long, wide]) {
    await Deno.remove(d, { recursive: true });
  }
  return [
    {
      name: "process startup (`runnel --version`), the floor",
      value: fmt(startup),
      ratio: "1×",
    },
    {
      name: "sandbox process: spawn until its Worker answers",
      value: `${floor.spawnMs.toFixed(1)} ms`,
      ratio: "once per sandbox and CPU",
    },
    {
      name: "empty node in a warm worker (start → done, no store work)",
      value: `${floor.warmMs.toFixed(2)} ms`,
    },
    {
      name: "floor of a 100-node chain: startup + one process + 100 empty runs",
      value: fmt(chainFloor(100)),
    },
    {
      name: "100-node chain, first run (whole process)",
      value: fmt(first),
      ratio: `${
        (first / chainFloor(100)).toFixed(1)
      }× the floor; pipedag 3.8 s → ${(3800 / first).toFixed(1)}× faster`,
      goal: "≤ 0.7 s",
      met: first <= 700,
    },
    {
      name: "100-node chain, no-op rerun (whole process)",
      value: fmt(noop),
      ratio: `${(noop / startup).toFixed(1)}× startup; pipedag 2.65 s → ${
        (2650 / noop).toFixed(1)
      }× faster`,
      goal: "≤ 0.35 s",
      met: noop <= 350,
    },
    {
      name: "1,000-node chain, first run (whole process)",
      value: fmt(longFirst),
      ratio: `${(longFirst / chainFloor(1000)).toFixed(1)}× its floor (${
        fmt(chainFloor(1000))
      })`,
      goal: "≤ 5 s",
      met: longFirst <= 5000,
    },
    {
      name: "1,000-node graph, no-op rerun (whole process)",
      value: fmt(wideNoop),
      ratio: `${(wideNoop / startup).toFixed(1)}× startup`,
      goal: "≤ 1.5 s",
      met: wideNoop <= 1500,
    },
  ];
}

/** Planning a 10,000-node graph in-process: load + plan, vs parsing its YAML alone. */
export async function planBench(): Promise<BenchRow[]> {
  const dir = await generate(
    10_000,
    (i) => (i < 100 ? [] : [i % 100, Math.floor(i / 3)]),
  );
  const text = await Deno.readTextFile(join(dir, "graph.yml"));
  const t0 = performance.now();
  parse(text);
  const parseMs = performance.now() - t0;
  const store = await openStore(undefined, dir);
  const t1 = performance.now();
  const graph = await loadGraph(dir);
  const plan = await planGraph(graph, store);
  const planMs = performance.now() - t1;
  await store.close();
  await Deno.remove(dir, { recursive: true });
  if (plan.length !== 10_000) throw new Error("plan is incomplete");
  return [
    {
      name: "npm:yaml `parse` of the same graph.yml (reference)",
      value: fmt(parseMs),
      ratio: "1×",
    },
    {
      name: "plan a 10,000-node graph (load, validate, hash, decide)",
      value: fmt(planMs),
      ratio: `${(planMs / parseMs).toFixed(1)}×`,
      goal: "≤ 1 s",
      met: planMs <= 1000,
    },
  ];
}

/** 100 independent trivial nodes at default concurrency vs empty runs in as many warm workers. */
export async function throughputBench(): Promise<BenchRow[]> {
  const lanes = navigator.hardwareConcurrency ?? 2;
  const floor = await workerFloor(lanes);
  const dir = await generate(100, () => []);
  const graph = await loadGraph(dir);
  const store = await openStore(undefined, dir);
  const { runGraph } = await import("../core/run/runner.ts");
  const t1 = performance.now();
  const r = await runGraph(graph, store);
  const perSec = 100 / ((performance.now() - t1) / 1000);
  await store.close();
  await Deno.remove(dir, { recursive: true });
  if (r.status !== "succeeded") throw new Error("throughput run failed");
  return [
    {
      name: `empty node runs in ${lanes} warm workers at once (baseline)`,
      value: `${floor.warmPerSec.toFixed(0)} nodes/s`,
      ratio: "1×",
    },
    {
      name: "100 independent trivial nodes, default concurrency",
      value: `${perSec.toFixed(0)} nodes/s`,
      ratio: `${(perSec / floor.warmPerSec).toFixed(2)}×`,
      goal: "≥ 250 nodes/s",
      met: perSec >= 250,
    },
  ];
}
