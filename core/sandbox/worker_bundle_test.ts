import assert from "node:assert/strict";
import {
  bundledHash,
  WORKER_BUNDLE,
  workerSourceHash,
} from "./_worker_bundle_build.ts";

Deno.test("the worker bundle is built from the current worker sources", async () => {
  const bundle = await Deno.readTextFile(WORKER_BUNDLE);
  const built = bundledHash(bundle);
  assert.ok(built, "the bundle names the source hash it was built from");
  assert.equal(
    built,
    await workerSourceHash(),
    "core/sandbox/_worker_bundle.js is older than core/sandbox/worker.ts or a module it imports: run `deno task bundle-worker` and commit the result",
  );
  // It is the whole worker: the SDK and the node import are inside.
  assert.match(bundle, /import\(moduleUrlFor\(msg\.moduleUrl\)\)/);
  // Only built-ins stay imports (node:v8, for the bytes messages cross as).
  assert.doesNotMatch(
    bundle,
    /^import .* from "(?!node:)/m,
    "no local imports left",
  );
});

Deno.test("workerSourceHash changes with the worker's sources", async () => {
  const h = await workerSourceHash();
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(
    bundledHash("// source-hash: " + "a".repeat(64)),
    "a".repeat(64),
  );
  assert.equal(bundledHash("no header"), undefined);
});
