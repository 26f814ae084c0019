// Shared helpers for benchmarks: temp apps, timing, reporting.

import { join } from "node:path";

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
