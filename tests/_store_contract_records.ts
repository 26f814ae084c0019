/**
 * Contract tests: runs, node runs and logs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NotFoundError } from "../core/errors.ts";
import type { LogRecord, NodeRunRecord, RunRecord } from "../stores/mod.ts";
import type { ContractTest } from "./store_contract.ts";
import { rejects } from "./_store_contract_util.ts";

function run(id: string, startedAt: string): RunRecord {
  return {
    id,
    status: "running",
    startedAt: new Date(startedAt),
    selection: [],
    params: {},
    trigger: "cli",
  };
}

/** Registers the run, node run and log tests. */
export function registerRecordTests(test: ContractTest): void {
  test("runs: create, get by id or prefix, update, list newest first", async (h) => {
    const s = h.store;
    const r1: RunRecord = {
      ...run("20240101-aaaa1111", "2024-01-01T10:00:00.000Z"),
      selection: ["score", "load"],
      params: { region: "eu", "täg": "ü" },
      trigger: "api",
    };
    await s.createRun(r1);
    await s.createRun(run("20240102-bbbb2222", "2024-01-02T10:00:00.000Z"));
    await s.createRun(run("20240102-bbbb3333", "2024-01-02T11:00:00.000Z"));

    assert.deepEqual(await s.getRun("20240101-aaaa1111"), r1);
    assert.deepEqual(await s.getRun("20240101"), r1);
    assert.equal((await s.getRun("20240102-bbbb3"))?.id, "20240102-bbbb3333");
    assert.equal(await s.getRun("nope"), undefined);
    await rejects(
      s.getRun("20240102-bbbb"),
      NotFoundError,
      /20240102-bbbb2222/,
      /20240102-bbbb3333/,
    );

    const finished = new Date("2024-01-01T10:05:00.123Z");
    await s.updateRun(r1.id, { status: "succeeded", finishedAt: finished });
    assert.deepEqual(await s.getRun(r1.id), {
      ...r1,
      status: "succeeded",
      finishedAt: finished,
    });
    await s.updateRun("20240102-bbbb2222", { status: "failed" });
    assert.equal((await s.getRun("20240102-bbbb2222"))?.status, "failed");
    assert.equal((await s.getRun("20240102-bbbb2222"))?.finishedAt, undefined);

    assert.deepEqual((await s.listRuns(10)).map((r) => r.id), [
      "20240102-bbbb3333",
      "20240102-bbbb2222",
      "20240101-aaaa1111",
    ]);
    assert.deepEqual((await s.listRuns(2)).map((r) => r.id), [
      "20240102-bbbb3333",
      "20240102-bbbb2222",
    ]);
    await h.reopen();
    assert.equal((await h.store.getRun("20240101"))?.status, "succeeded");
  });

  test("node runs: saved, replaced in place, listed in first-saved order", async (h) => {
    const s = h.store;
    await s.createRun(run("r1", "2024-01-01T00:00:00.000Z"));
    await s.createRun(run("r2", "2024-01-02T00:00:00.000Z"));
    const extract: NodeRunRecord = {
      runId: "r1",
      nodeId: "extract",
      title: "Extract leads",
      file: "nodes/extract.ts",
      status: "running",
      startedAt: new Date("2024-01-01T00:00:01.000Z"),
      rowsWritten: 0,
      reason: "inputs changed",
    };
    const score: NodeRunRecord = {
      runId: "r1",
      nodeId: "score",
      title: "Score",
      file: "nodes/score.ts",
      status: "pending",
      rowsWritten: 0,
    };
    await s.saveNodeRun(extract);
    await s.saveNodeRun(score);
    await s.saveNodeRun({ ...score, runId: "r2" });
    const done: NodeRunRecord = {
      ...extract,
      status: "failed",
      finishedAt: new Date("2024-01-01T00:00:03.500Z"),
      durationMs: 2500,
      rowsWritten: 1234,
      error: "boom ✗",
    };
    await s.saveNodeRun(done);
    assert.deepEqual(await s.listNodeRuns("r1"), [done, score]);
    assert.deepEqual(await s.listNodeRuns("r2"), [{ ...score, runId: "r2" }]);
    assert.deepEqual(await s.listNodeRuns("r3"), []);
    // Counts by status, for several runs in one call.
    await s.saveNodeRun({ ...score, nodeId: "load", status: "cached" });
    await s.saveNodeRun({ ...score, nodeId: "report", status: "cached" });
    assert.deepEqual(
      await s.countNodeRuns(["r2", "r1", "nope"]),
      new Map([
        ["r1", { failed: 1, pending: 1, cached: 2 }],
        ["r2", { pending: 1 }],
      ]),
    );
    assert.deepEqual(await s.countNodeRuns([]), new Map());
  });

  test("logs: appended in order, filtered by node, read in pages", async (h) => {
    const s = h.store;
    await s.createRun(run("r1", "2024-01-01T00:00:00.000Z"));
    const t = (ms: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, 0, ms));
    const first: LogRecord[] = [
      { runId: "r1", nodeId: "a", ts: t(1), level: "info", message: "start" },
      { runId: "r1", nodeId: "b", ts: t(2), level: "debug", message: "b1" },
    ];
    const second: LogRecord[] = [
      { runId: "r1", nodeId: "a", ts: t(0), level: "warn", message: "late ⚠" },
      { runId: "r2", nodeId: "a", ts: t(3), level: "error", message: "other" },
    ];
    await s.appendLogs(first);
    await s.appendLogs([]);
    await s.appendLogs(second);
    assert.deepEqual(await s.listLogs("r1"), [...first, second[0]]);
    assert.deepEqual(await s.listLogs("r1", "a"), [first[0], second[0]]);
    assert.deepEqual(await s.listLogs("r2"), [second[1]]);
    assert.deepEqual(await s.listLogs("r1", "zzz"), []);
    // Pages, of all lines or of one node's.
    const all = [...first, second[0]];
    const page = (offset: number, limit: number, node?: string) =>
      s.listLogs("r1", node, { offset, limit });
    assert.deepEqual(await page(0, 2), all.slice(0, 2));
    assert.deepEqual(await page(1, 2), all.slice(1, 3));
    assert.deepEqual(await page(2, 10), all.slice(2));
    assert.deepEqual(await page(3, 10), []);
    assert.deepEqual(await page(1, 1, "a"), [second[0]]);
  });
}
