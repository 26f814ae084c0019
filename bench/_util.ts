// Shared helpers for benchmarks: temp apps, timing, reporting.

import { join } from "node:path";
import { fromFileUrl } from "../core/path.ts";

/** Parses `--name value` flags with numeric defaults. */
export function numberFlag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Creates a temp app from files; returns its directory. */
export async function tempApp(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_bench_" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One line of the result table. */
export interface BenchRow {
  name: string;
  value: string;
  ratio?: string;
  goal?: string;
  met?: boolean;
}

/** Prints rows as a Markdown table (pasted into the README). */
export function printTable(title: string, rows: BenchRow[]): void {
  console.log(`\n### ${title}\n`);
  console.log("| measurement | result | vs baseline | goal |");
  console.log("|---|---|---|---|");
  for (const r of rows) {
    const goal = r.goal ? `${r.goal} ${r.met ? "✓" : "✗"}` : "";
    console.log(`| ${r.name} | ${r.value} | ${r.ratio ?? ""} | ${goal} |`);
  }
}

/** `1,234,567 rows/s`. */
export function rate(rows: number, ms: number): string {
  return `${Math.round(rows / (ms / 1000)).toLocaleString("en-US")} rows/s`;
}

const MAIN = fromFileUrl(new URL("../main.ts", import.meta.url));

/** Writes a graph of `n` trivial nodes; `deps(i)` lists the nodes node i reads. */
export async function generate(
  n: number,
  deps: (i: number) => number[],
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_bench_graph_" });
  const lines = ["title: Generated", "functions:"];
  const body = `export default async ({ table }) => {
  const t = table("out", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace([{ v: 1 }]);
};\n`;
  for (let i = 0; i < n; i++) {
    lines.push(`  - node_file: n${i}.ts`);
    const ins = [...new Set(deps(i))];
    if (ins.length > 0) {
      lines.push("    inputs:");
      for (const j of ins) lines.push(`      in${j}: t${j}`);
    }
    lines.push("    outputs:", `      out: t${i}`);
    await Deno.writeTextFile(join(dir, `n${i}.ts`), body);
  }
  await Deno.writeTextFile(join(dir, "graph.yml"), lines.join("\n") + "\n");
  return dir;
}

/** Wall time of one `runnel` process, in ms; throws with its stderr on failure. */
export async function runnel(args: string[]): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (out.code !== 0) {
    throw new Error(
      `runnel ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return ms;
}
