// `deno compile` readiness, checked statically (compiling needs a download
// this machine cannot make): every worker entry is listed for --include,
// every dynamic import is the loader seam's, and no module reads files that
// sit beside it (assets must come in through imports).

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fromFileUrl } from "../core/path.ts";
import { stripCommentsAndStrings } from "../core/plan/module_graph.ts";

const REPO = fromFileUrl(new URL("..", import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await sourceFiles(p));
    else if (
      e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") &&
      // Build tooling (`deno task bundle-worker`), not part of the program.
      e.name !== "_worker_bundle_build.ts"
    ) {
      out.push(p);
    }
  }
  return out;
}

async function shippedSources(): Promise<string[]> {
  const files = [join(REPO, "main.ts")];
  for (const d of ["cli", "core", "server", "stores"]) {
    files.push(...await sourceFiles(join(REPO, d)));
  }
  return files;
}

Deno.test("every Worker entry is listed in the compile task's --include", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json")));
  const compile: string = config.tasks.compile;
  const included = [...compile.matchAll(/--include\s+(\S+)/g)].map((m) => m[1]);
  const workers: string[] = [];
  for (const file of await shippedSources()) {
    const text = await Deno.readTextFile(file);
    for (
      const m of text.matchAll(
        /new URL\(\s*"(\.[^"]+)",\s*import\.meta\.url\s*\)/g,
      )
    ) {
      if (/WORKER|Worker/.test(text)) {
        workers.push(relative(REPO, join(file, "..", m[1]!)));
      }
    }
  }
  assert.ok(workers.length > 0, "found the worker entry");
  for (const w of workers) {
    assert.ok(included.includes(w), `${w} is not in --include`);
  }
  // Worker permissions are an unstable option; deno run and deno compile read it from deno.json.
  assert.ok(config.unstable.includes("worker-options"));
});

Deno.test("shipped code has no dynamic imports besides the worker's loader seam, and reads no files beside itself", async () => {
  for (const file of await shippedSources()) {
    const rel = relative(REPO, file);
    const text = await Deno.readTextFile(file);
    const code = stripCommentsAndStrings(text).text;
    const dyn = [...code.matchAll(/(?<![\w$.])import\(\s*([^)\s]+)/g)].map((
      m,
    ) => m[1]);
    assert.deepEqual(
      dyn,
      rel === "core/sandbox/worker.ts" ? ["moduleUrlFor(msg.moduleUrl"] : [],
      rel,
    );
    assert.doesNotMatch(
      text,
      /Deno\.read(Text)?File(Sync)?\(\s*new URL\([^)]*import\.meta\.url/,
      `${rel} reads a file beside itself; import it instead`,
    );
  }
});
