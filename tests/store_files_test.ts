// The SQLite store's file: no node may be granted it, and a store file that
// is missing, emptied, replaced or read-only is reported, never written
// past.

import assert from "node:assert/strict";
import { join } from "node:path";
import { NodeContractError, StoreError } from "../core/errors.ts";
import { openStore } from "../stores/mod.ts";
import { graphYml, makeApp, runOnce } from "./_helpers.ts";
import { runnel } from "./_cli.ts";
import { rejects } from "./_store_contract_util.ts";

const writer = `export default async ({ table }) => {
  const t = table("out", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.append([{ v: 1 }]);
};`;

Deno.test("a node granted the folder that holds the store file is refused before it runs", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{
      file: "a.ts",
      title: "Reader",
      outputs: ["out"],
      extra: "permissions:\n  read: [data]",
    }]),
    "a.ts": writer,
  });
  await Deno.mkdir(join(dir, "data"));
  const url = join(dir, "data", "app.db");
  await assert.rejects(
    runOnce(dir, {}, url),
    (err: Error) => {
      assert.ok(err instanceof NodeContractError);
      assert.match(
        err.message,
        /Cannot run node "Reader": its permissions\.read entry "data" includes the store file .*data\/app\.db, which nodes reach only through their tables/,
      );
      return true;
    },
  );
  // Elsewhere, the same app runs.
  const ok = await runOnce(dir, {}, join(dir, "app.db"));
  assert.equal(ok.status, "succeeded");
});

const RUN = {
  id: "r1",
  status: "running" as const,
  startedAt: new Date(),
  selection: [],
  params: {},
  trigger: "test",
};

Deno.test("a store whose file is deleted while open refuses every call, naming the file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "runnel.db");
  const store = await openStore(path, dir);
  try {
    await store.createRun(RUN);
    const pub = await store.beginPublication();
    await pub.init("t", { schema: { v: "Integer" }, uniqueOn: [] });
    for (const f of store.localFiles) await Deno.remove(f).catch(() => {});
    const gone =
      /The store file .*runnel\.db was deleted while Runnel had it open; nothing more is written to it/;
    await rejects(store.createRun({ ...RUN, id: "r2" }), StoreError, gone);
    await rejects(store.listRuns(5), StoreError, gone);
    await rejects(pub.commit({ runId: "r1" }), StoreError, gone);
  } finally {
    await store.close();
  }
  // Nothing was written past the deletion: a new store starts empty.
  const fresh = await openStore(path, dir);
  try {
    assert.deepEqual(await fresh.listRuns(5), []);
  } finally {
    await fresh.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a store whose file is replaced while open refuses writes", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "runnel.db");
  const store = await openStore(path, dir);
  const other = await openStore(join(dir, "other.db"), dir);
  await other.close();
  try {
    await Deno.rename(join(dir, "other.db"), path);
    await rejects(
      store.createRun(RUN),
      StoreError,
      /The store file .*runnel\.db was replaced by another file while Runnel had it open/,
    );
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an empty (0-byte) store file is refused and left as it is", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "a.ts", outputs: ["out"] }]),
    "a.ts": writer,
  });
  await Deno.mkdir(join(dir, ".runnel"));
  const path = join(dir, ".runnel", "runnel.db");
  await Deno.writeFile(path, new Uint8Array());
  const r = await runnel(dir, ["run"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /The store file .*runnel\.db is empty \(0 bytes\): its tables and run history are gone\. Restore it from a backup, or delete it to start a new store/,
  );
  assert.equal((await Deno.stat(path)).size, 0);
});

Deno.test("a new store file is created whole: no temporary file is left", async () => {
  const dir = await Deno.makeTempDir();
  const store = await openStore(join(dir, "s", "runnel.db"), dir);
  await store.close();
  const names = [];
  for await (const e of Deno.readDir(join(dir, "s"))) names.push(e.name);
  assert.deepEqual(names.filter((n) => n.includes(".new-")), []);
  assert.ok(names.includes("runnel.db"));
  await Deno.remove(dir, { recursive: true });
});

/**
 * Makes `dir` read-only for this process: chmod for a normal user, a
 * read-only bind mount for root (whom file modes do not stop). Returns the
 * undo, or undefined when neither is possible here.
 */
async function readOnly(
  dir: string,
): Promise<(() => Promise<void>) | undefined> {
  if (Deno.uid() !== 0) {
    await Deno.chmod(dir, 0o555);
    for await (const e of Deno.readDir(dir)) {
      await Deno.chmod(join(dir, e.name), 0o444);
    }
    return async () => {
      await Deno.chmod(dir, 0o755);
      for await (const e of Deno.readDir(dir)) {
        await Deno.chmod(join(dir, e.name), 0o644);
      }
    };
  }
  const mount = (args: string[]) =>
    new Deno.Command("mount", { args, stderr: "null" }).output();
  if (!(await mount(["--bind", dir, dir])).success) return undefined;
  if (!(await mount(["-o", "remount,ro,bind", dir])).success) {
    await new Deno.Command("umount", { args: [dir] }).output();
    return undefined;
  }
  return async () => {
    await new Deno.Command("umount", { args: [dir] }).output();
  };
}

Deno.test("a read-only store says so, with its path and the fix", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "a.ts", outputs: ["out"] }]),
    "a.ts": writer,
  });
  assert.equal((await runnel(dir, ["run"])).code, 0);
  const runnelDir = join(dir, ".runnel");
  const undo = await readOnly(runnelDir);
  if (undo === undefined) {
    // Neither chmod (not root) nor a bind mount (root) is possible here.
    console.log("read-only store test: cannot make a folder read-only here");
    return;
  }
  try {
    const r = await runnel(dir, ["run", "--force"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /store .*\.runnel\/runnel\.db.*read-only|read-only.*\.runnel\/runnel\.db/,
    );
    assert.doesNotMatch(r.stderr, /internal error/i);
  } finally {
    await undo();
  }
});
