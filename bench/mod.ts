/**
 * `deno task bench`: Runnel's benchmarks. Each measures its own baseline in
 * the same run and prints ratios, as Markdown for the README.
 *
 * Flags: `--rows N` (default 1,000,000), `--times N` (default 50),
 * `--only sqlite|postgres|planner|server|ui` to run one group (`ui` drives
 * Debian's Chromium; it is skipped when there is none).
 *
 * @module
 */

import { overheadBench } from "./overhead_bench.ts";
import { planBench, processBench, throughputBench } from "./planner_bench.ts";
import { postgresBench } from "./postgres_bench.ts";
import {
  responsiveBench,
  tableRowsBench,
  webhookBench,
} from "./server_bench.ts";
import { uiBench } from "./ui_bench.ts";
import { numberFlag, printTable } from "./_util.ts";
import { writeBench } from "./write_bench.ts";

const rows = numberFlag("rows", 1_000_000);
const times = numberFlag("times", 50);

console.log(
  `Runnel benchmarks — Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, ${
    new Date().toISOString().slice(0, 10)
  }`,
);
const only = Deno.args.includes("--only")
  ? Deno.args[Deno.args.indexOf("--only") + 1]
  : undefined;
if (only === undefined || only === "sqlite") {
  printTable("Embedded SQLite store", [
    ...await writeBench(rows),
    ...await overheadBench(times),
  ]);
}
if (only === undefined || only === "postgres") {
  printTable("PostgreSQL store", await postgresBench(rows));
}
if (only === undefined || only === "server") {
  printTable("Dev server", [
    ...await tableRowsBench(),
    ...await webhookBench(),
    ...await responsiveBench(),
  ]);
}
if (only === undefined || only === "ui") {
  printTable("Dashboard", await uiBench());
}
if (only === undefined || only === "planner") {
  printTable("Planner", [
    ...await processBench(),
    ...await planBench(),
    ...await throughputBench(),
  ]);
}
