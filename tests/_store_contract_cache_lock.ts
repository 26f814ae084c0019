/**
 * Contract tests: node cache records (committed with the outputs, or not
 * at all), batched node run records and the run lock.
 *
 * @module
 */

import assert from "node:assert/strict";
import { InterruptedError, StoreError } from "../core/errors.ts";
import type { NodeCacheRecord, NodeRunRecord } from "../stores/mod.ts";
import type { ContractTest } from "./store_contract.ts";
import { EVENTS, rejects } from "./_store_contract_util.ts";

function cacheRecord(nodeId: string, key: string): NodeCacheRecord {
  return {
    nodeId,
    key,
    components: { "code:main.ts": "abc", "param:limit": "10", "täg": "ü" },
    runId: `run-${key}`,
    savedAt: new Date("2024-05-01T10:00:00.123Z"),
  };
}

function nodeRun(nodeId: string, status: NodeRunRecord["status"]) {
  const rec: NodeRunRecord = {
    runId: "run1",
    nodeId,
    title: `Node ${nodeId}`,
    file: `${nodeId}.ts`,
    status,
    rowsWritten: 0,
  };
  return rec;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers the node cache, node run batch and lock tests. */
export function registerCacheAndLockTests(test: ContractTest): void {
  test("node cache records are committed with the publication, or not at all", async (h) => {
    assert.equal((await h.store.getNodeCache()).size, 0);
    let pub = await h.store.beginPublication();
    await pub.init("events", EVENTS);
    await pub.append("events", [{ kind: "a", n: 1 }]);
    pub.setNodeCache(cacheRecord("n1", "k1"));
    assert.equal((await h.store.getNodeCache()).size, 0);
    await pub.discard();
    assert.equal((await h.store.getNodeCache(["n1"])).size, 0);
    assert.equal(await h.store.describeTable("events"), undefined);

    pub = await h.store.beginPublication();
    await pub.init("events", EVENTS);
    await pub.append("events", [{ kind: "a", n: 1 }]);
    const rec = cacheRecord("n1", "k1");
    pub.setNodeCache(rec);
    rec.key = "changed after setNodeCache";
    pub.setNodeCache(cacheRecord("n2", "k2"));
    const summary = await pub.commit({ runId: "run-k1", nodeId: "n1" });
    assert.ok(summary.contentVersions.events);
    const all = await h.store.getNodeCache();
    assert.deepEqual([...all.keys()].sort(), ["n1", "n2"]);
    assert.deepEqual(all.get("n1"), cacheRecord("n1", "k1"));
    assert.deepEqual(all.get("n2"), cacheRecord("n2", "k2"));

    // One record per node: the latest commit replaces it. A publication
    // with nothing but a cache record commits it too.
    pub = await h.store.beginPublication();
    pub.setNodeCache(cacheRecord("n1", "k3"));
    await pub.commit({ runId: "run-k3" });
    const some = await h.store.getNodeCache(["n1", "missing"]);
    assert.deepEqual([...some.keys()], ["n1"]);
    assert.deepEqual(some.get("n1"), cacheRecord("n1", "k3"));
    assert.equal((await h.store.getNodeCache([])).size, 0);

    await h.reopen();
    assert.deepEqual(
      (await h.store.getNodeCache(["n2"])).get("n2"),
      cacheRecord("n2", "k2"),
    );
  });

  test("saveNodeRuns saves many records at once, replacing by node", async (h) => {
    await h.store.createRun({
      id: "run1",
      status: "running",
      startedAt: new Date("2024-01-01T00:00:00.000Z"),
      selection: [],
      params: {},
      trigger: "cli",
    });
    await h.store.saveNodeRuns([]);
    await h.store.saveNodeRuns([
      nodeRun("a", "pending"),
      nodeRun("b", "pending"),
      nodeRun("c", "pending"),
    ]);
    const done: NodeRunRecord = {
      ...nodeRun("b", "succeeded"),
      startedAt: new Date("2024-01-01T00:00:01.000Z"),
      finishedAt: new Date("2024-01-01T00:00:02.000Z"),
      durationMs: 1000,
      rowsWritten: 5,
      reason: "input changed",
    };
    await h.store.saveNodeRuns([done, nodeRun("c", "cached")]);
    assert.deepEqual(await h.store.listNodeRuns("run1"), [
      nodeRun("a", "pending"),
      done,
      nodeRun("c", "cached"),
    ]);
  });

  test("lock: one holder at a time; wait or fail naming the holder", async (h) => {
    const other = await h.second();
    const first = await h.store.lock({ owner: "run A (pid 1)", wait: false });
    const err = await rejects(
      other.lock({ owner: "run B", wait: false }),
      StoreError,
      /run A \(pid 1\)/,
      /--no-wait/,
    );
    assert.ok(err.message.includes(other.location));
    await first.release();
    await first.release();

    const second = await other.lock({ owner: "run B", wait: false });
    const waits: string[] = [];
    let got = false;
    const third = h.store.lock({
      owner: "run C",
      wait: true,
      onWait: (holder) => waits.push(holder),
    }).then((l) => {
      got = true;
      return l;
    });
    await sleep(400);
    assert.equal(got, false);
    assert.deepEqual(waits, ["run B"]);
    await second.release();
    const lock = await third;
    assert.deepEqual(waits, ["run B"]);
    await rejects(
      other.lock({ owner: "run D", wait: false }),
      StoreError,
      /run C/,
    );
    await lock.release();
    await (await other.lock({ owner: "run D", wait: false })).release();
  });

  test("lock: a waiter gives up when its signal aborts, and holds nothing", async (h) => {
    const other = await h.second();
    const held = await h.store.lock({ owner: "run A", wait: false });
    const stop = new AbortController();
    const waiting = other.lock({
      owner: "run B",
      wait: true,
      signal: stop.signal,
      onWait: () => stop.abort(),
    });
    await rejects(
      waiting,
      InterruptedError,
      /Stopped waiting for the run lock on .*: the run was interrupted/,
    );
    await held.release();
    // It took nothing: the lock is free for anyone.
    await (await other.lock({ owner: "run C", wait: false })).release();
  });
}
