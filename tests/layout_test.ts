// The source tree's rules, checked on every run: a `_private.ts` file is
// imported only from inside its own folder (subfolders included), no import
// cycle crosses folders, `core/` reaches no driver, server or CLI and names
// stores only through their interface, and no folder of `core/`, `stores/`
// or `server/` outgrows a table of contents.

import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fromFileUrl } from "../core/path.ts";

const REPO = fromFileUrl(new URL("..", import.meta.url));
const ROOTS = ["main.ts", "bench", "cli", "core", "server", "stores", "tests"];
const MAX_SOURCE_FILES = 20;

interface SourceFile {
  rel: string;
  /** Relative imports resolved to repository paths (existing files only). */
  local: string[];
  /** Bare specifiers: `npm:…`, `node:…`. */
  bare: string[];
}

const IMPORT =
  /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/g;

async function walk(rel: string, out: string[]): Promise<void> {
  const info = await Deno.stat(join(REPO, rel));
  if (info.isFile) {
    if (rel.endsWith(".ts")) out.push(rel);
    return;
  }
  for await (const e of Deno.readDir(join(REPO, rel))) {
    if (e.name === ".runnel" || e.name === "assets") continue;
    await walk(join(rel, e.name), out);
  }
}

async function sources(): Promise<SourceFile[]> {
  const files: string[] = [];
  for (const r of ROOTS) await walk(r, files);
  const known = new Set(files);
  const out: SourceFile[] = [];
  for (const rel of files) {
    const text = await Deno.readTextFile(join(REPO, rel));
    const local: string[] = [];
    const bare: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) {
        const target = normalize(join(dirname(rel), spec));
        // Fixture text inside tests may name files that do not exist.
        if (known.has(target)) local.push(target);
      } else {
        bare.push(spec);
      }
    }
    out.push({ rel, local, bare });
  }
  return out;
}

const isPrivate = (path: string) =>
  path.split("/").at(-1)!.startsWith("_") &&
  !path.endsWith("_test.ts");

const isHarness = (path: string) =>
  /^(tests|bench)\//.test(path) || /_test(_util)?\.ts$/.test(path) ||
  path.endsWith("/_test_util.ts");

const inside = (file: string, folder: string) =>
  folder === "." || file.startsWith(folder + "/");

Deno.test("layout: private files are imported only from inside their folder", async () => {
  const offences: string[] = [];
  for (const f of await sources()) {
    // Tests and benches are harnesses: they may open up any module.
    if (isHarness(f.rel)) continue;
    for (const t of f.local) {
      if (isPrivate(t) && !inside(f.rel, dirname(t))) {
        offences.push(`${f.rel} imports ${t}`);
      }
    }
  }
  assert.deepEqual(
    offences,
    [],
    "import what another folder offers through its mod.ts or a public file",
  );
});

Deno.test("layout: no import cycle crosses folders", async () => {
  const files = await sources();
  const edges = new Map(files.map((f) => [f.rel, f.local]));
  // Tarjan's strongly connected components, iteratively.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      const out = edges.get(v) ?? [];
      if (i < out.length) {
        top[1]++;
        const w = out[i]!;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) {
        low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const c: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          c.push(w);
        } while (w !== v);
        components.push(c);
      }
    }
  }
  const crossing = components.filter((c) =>
    new Set(c.map((f) => dirname(f))).size > 1
  ).map((c) => c.sort().join(" <-> "));
  assert.deepEqual(crossing, []);
});

Deno.test("layout: core/ imports no driver, server or CLI, and names stores only through store.ts", async () => {
  const offences: string[] = [];
  for (const f of await sources()) {
    if (!f.rel.startsWith("core/")) continue;
    for (const t of f.local) {
      const top = t.split("/")[0];
      if (top === "cli" || top === "server" || t === "main.ts") {
        offences.push(`${f.rel} imports ${t}`);
      }
      if (
        top === "stores" && t !== "stores/store.ts" &&
        !f.rel.endsWith("_test.ts")
      ) {
        offences.push(`${f.rel} imports the store implementation ${t}`);
      }
    }
    for (const b of f.bare) {
      if (/^(npm:(hono|postgres|commander)|node:sqlite)/.test(b)) {
        offences.push(`${f.rel} imports ${b}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});

Deno.test("layout: no folder of core/, stores/ or server/ holds more than 20 source files", async () => {
  const counts = new Map<string, number>();
  for (const f of await sources()) {
    if (!/^(core|stores|server)\//.test(f.rel) || f.rel.endsWith("_test.ts")) {
      continue;
    }
    const d = dirname(f.rel);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  assert.ok(counts.size >= 10, `found ${counts.size} folders`);
  const crowded = [...counts].filter(([, n]) => n > MAX_SOURCE_FILES)
    .map(([d, n]) => `${d}/: ${n} source files`);
  assert.deepEqual(crowded, [], "give a growing concern its own folder");
});

Deno.test("layout: every folder of core/, stores/ and server/ has a mod.ts", async () => {
  const missing: string[] = [];
  for (const f of await sources()) {
    if (!/^(core|stores|server)\/.+\//.test(f.rel)) continue;
    const d = dirname(f.rel);
    try {
      await Deno.stat(join(REPO, d, "mod.ts"));
    } catch {
      missing.push(relative(".", d));
    }
  }
  assert.deepEqual([...new Set(missing)], []);
});
