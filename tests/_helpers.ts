// Shared helpers for integration tests: temp apps on disk, real stores,
// real workers.

import { dirname, join } from "node:path";
import { loadGraph } from "../core/graph_load.ts";
import { runGraph, type RunOptions, type RunResult } from "../core/runner.ts";
import { openStore, type Store } from "../stores/mod.ts";

/** Writes `files` (path → content) into a new temp directory and returns it. */
export async function makeApp(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_test_" });
  await writeFiles(dir, files);
  return dir;
}

/** Writes or overwrites files inside `dir`. */
export async function writeFiles(
  dir: string,
  files: Record<string, string>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(dirname(full), { recursive: true });
    await Deno.writeTextFile(full, content);
  }
}

/** Loads the app, opens its default SQLite store, runs it, and returns both. The caller closes the store. */
export async function runApp(
  dir: string,
  opts: RunOptions = {},
): Promise<{ result: RunResult; store: Store }> {
  const graph = await loadGraph(dir);
  const store = await openStore(undefined, dir);
  try {
    const result = await runGraph(graph, store, opts);
    return { result, store };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Runs the app once and closes the store; returns the result and a snapshot reader. */
export async function runOnce(
  dir: string,
  opts: RunOptions = {},
): Promise<RunResult> {
  const { result, store } = await runApp(dir, opts);
  await store.close();
  return result;
}

/** Reads a committed table of the app (opens and closes the store). */
export async function readTable(
  dir: string,
  table: string,
): Promise<Record<string, unknown>[]> {
  const store = await openStore(undefined, dir);
  try {
    return await store.readRows(table);
  } finally {
    await store.close();
  }
}

/** A graph.yml with one function per entry. */
export function graphYml(
  functions: {
    file: string;
    title?: string;
    inputs?: string[];
    outputs?: string[];
    extra?: string;
  }[],
  stores: string[] = [],
): string {
  const lines = ["title: Test App"];
  if (stores.length > 0) {
    lines.push("stores:");
    for (const s of stores) lines.push(`  - table: ${s}`);
  }
  lines.push("functions:");
  for (const f of functions) {
    lines.push(`  - node_file: ${f.file}`);
    if (f.title) lines.push(`    title: ${f.title}`);
    if (f.inputs?.length) lines.push(`    inputs: [${f.inputs.join(", ")}]`);
    if (f.outputs?.length) lines.push(`    outputs: [${f.outputs.join(", ")}]`);
    if (f.extra) {
      for (const l of f.extra.trim().split("\n")) lines.push(`    ${l}`);
    }
  }
  return lines.join("\n") + "\n";
}
