// Shared helpers of the graph.yml loader tests: temp apps, issue checks,
// and the shape of a bad-graph case.

import assert from "node:assert/strict";
import { join } from "node:path";
import { GraphError, type GraphIssue } from "../errors.ts";
import { loadGraph } from "./load.ts";

/** graph.yml text from lines, so line numbers in tests are easy to read. */
export const y = (...lines: string[]): string => lines.join("\n") + "\n";

/** graph.yml text of a titled app with the given `functions:` lines. */
export const fn = (...lines: string[]): string =>
  y("title: T", "functions:", ...lines);

/** Every app of these tests lives under ROOT, removed when the tests end. */
export const ROOT = await Deno.makeTempDir({ prefix: "runnel_graph_test_" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(ROOT, { recursive: true });
});
let appCount = 0;

/** A fresh path under ROOT, outside every app. */
export function scratchPath(name: string): string {
  return join(ROOT, `${name}_${++appCount}`);
}

/** Writes an app (graph.yml + placeholder files) into a fresh directory. */
export async function makeApp(
  graph: string | undefined,
  files: string[] = ["a.ts", "b.ts", "c.ts"],
): Promise<string> {
  const dir = join(ROOT, `app_${++appCount}`);
  await Deno.mkdir(dir);
  for (const f of files) {
    await Deno.mkdir(join(dir, f, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, f), "// node\n");
  }
  if (graph !== undefined) {
    await Deno.writeTextFile(join(dir, "graph.yml"), graph);
  }
  return dir;
}

/** Loads an app that must be invalid and returns its issues. */
export async function issuesOf(dir: string): Promise<GraphIssue[]> {
  try {
    await loadGraph(dir, { displayFile: "graph.yml" });
  } catch (err) {
    assert.ok(err instanceof GraphError, `expected GraphError, got ${err}`);
    return err.issues;
  }
  throw new Error("expected loadGraph to throw a GraphError");
}

/** [message substring, "line:col"] */
export type Want = [string, string];

/** Asserts exactly the wanted issues, each at its line:col in graph.yml. */
export function assertIssues(issues: GraphIssue[], wants: Want[]): void {
  const shown = issues.map((i) => `  ${i.loc.line}:${i.loc.col} ${i.message}`)
    .join("\n");
  for (const [text, at] of wants) {
    assert.ok(
      issues.some((i) =>
        i.message.includes(text) && `${i.loc.line}:${i.loc.col}` === at
      ),
      `no issue "${text}" at ${at}; got:\n${shown}`,
    );
    assert.ok(issues.every((i) => i.loc.file === "graph.yml"));
  }
  assert.equal(issues.length, wants.length, `issue count; got:\n${shown}`);
}

/** One invalid app and the issues it must produce. */
export interface BadCase {
  name: string;
  graph: string | undefined;
  files?: string[];
  want: Want[];
  setup?: (dir: string) => Promise<void>;
}

/** Registers one test whose steps load each case and check its issues. */
export function badGraphTest(name: string, cases: BadCase[]): void {
  Deno.test(name, async (t) => {
    for (const c of cases) {
      await t.step(c.name, async () => {
        const dir = await makeApp(c.graph, c.files);
        await c.setup?.(dir);
        assertIssues(await issuesOf(dir), c.want);
      });
    }
  });
}
