/**
 * Runs, node runs, logs and node state in the SQLite store. Private to
 * `stores/sqlite/`.
 *
 * @module
 */

import { NotFoundError, StoreError } from "../../core/errors.ts";
import type {
  LogPage,
  LogRecord,
  NodeRunRecord,
  NodeState,
  NodeStatusCounts,
  RunRecord,
} from "../store.ts";
import { prep, type SqliteCtx, tx } from "./_catalog.ts";
import { type StatusCountRow, statusCountsByRun } from "../_status_counts.ts";

interface RawRun {
  id: string;
  status: RunRecord["status"];
  started_at: string;
  finished_at: string | null;
  selection: string;
  params: string;
  trigger: string;
}

function decodeRun(r: RawRun): RunRecord {
  const run: RunRecord = {
    id: r.id,
    status: r.status,
    startedAt: new Date(r.started_at),
    selection: JSON.parse(r.selection),
    params: JSON.parse(r.params),
    trigger: r.trigger,
  };
  if (r.finished_at !== null) run.finishedAt = new Date(r.finished_at);
  return run;
}

const iso = (d: Date | undefined): string | null =>
  d === undefined ? null : d.toISOString();

/** Inserts a new run; its id must be new. */
export function createRun(ctx: SqliteCtx, run: RunRecord): void {
  const exists = prep(ctx, "SELECT 1 FROM _runnel_runs WHERE id = ?").get(
    run.id,
  );
  if (exists !== undefined) {
    throw new StoreError(`Run "${run.id}" already exists`);
  }
  prep(
    ctx,
    "INSERT INTO _runnel_runs (id, status, started_at, finished_at, selection, params, trigger) VALUES (?, ?, ?, ?, ?, ?, ?)",
  ).run(
    run.id,
    run.status,
    run.startedAt.toISOString(),
    iso(run.finishedAt),
    JSON.stringify(run.selection ?? []),
    JSON.stringify(run.params ?? {}),
    run.trigger,
  );
}

/** Updates status and/or finish time of a run. */
export function updateRun(
  ctx: SqliteCtx,
  id: string,
  patch: Partial<Pick<RunRecord, "status" | "finishedAt">>,
): void {
  const res = prep(
    ctx,
    "UPDATE _runnel_runs SET status = coalesce(?, status), finished_at = coalesce(?, finished_at) WHERE id = ?",
  ).run(patch.status ?? null, iso(patch.finishedAt), id);
  if (Number(res.changes) === 0) {
    throw new NotFoundError(`Run "${id}" does not exist`);
  }
}

/** Newest runs first. */
export function listRuns(ctx: SqliteCtx, limit: number): RunRecord[] {
  const rows = prep(
    ctx,
    "SELECT * FROM _runnel_runs ORDER BY started_at DESC, rowid DESC LIMIT ?",
  ).all(Math.max(0, Math.floor(limit))) as unknown as RawRun[];
  return rows.map(decodeRun);
}

/** A run by exact id or unique prefix. */
export function getRun(
  ctx: SqliteCtx,
  idOrPrefix: string,
): RunRecord | undefined {
  if (idOrPrefix === "") return undefined;
  const exact = prep(ctx, "SELECT * FROM _runnel_runs WHERE id = ?").get(
    idOrPrefix,
  ) as RawRun | undefined;
  if (exact !== undefined) return decodeRun(exact);
  const found = prep(
    ctx,
    "SELECT * FROM _runnel_runs WHERE substr(id, 1, ?) = ? ORDER BY started_at DESC, rowid DESC LIMIT 11",
  ).all(idOrPrefix.length, idOrPrefix) as unknown as RawRun[];
  if (found.length === 0) return undefined;
  if (found.length === 1) return decodeRun(found[0]!);
  const shown = found.slice(0, 10).map((r) => r.id);
  throw new NotFoundError(
    `Run id prefix "${idOrPrefix}" is ambiguous; it matches ${
      shown.join(", ")
    }${found.length > 10 ? ", …" : ""}. Give more characters.`,
  );
}

interface RawNodeRun {
  run_id: string;
  node_id: string;
  title: string;
  file: string;
  status: NodeRunRecord["status"];
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  rows_written: number;
  error: string | null;
  reason: string | null;
}

/** Inserts or replaces the record of one node in one run (keeps its position). */
export function saveNodeRun(ctx: SqliteCtx, rec: NodeRunRecord): void {
  prep(
    ctx,
    `INSERT INTO _runnel_node_runs (run_id, node_id, title, file, status, started_at, finished_at, duration_ms, rows_written, error, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, node_id) DO UPDATE SET title = excluded.title,
       file = excluded.file, status = excluded.status,
       started_at = excluded.started_at, finished_at = excluded.finished_at,
       duration_ms = excluded.duration_ms, rows_written = excluded.rows_written,
       error = excluded.error, reason = excluded.reason`,
  ).run(
    rec.runId,
    rec.nodeId,
    rec.title,
    rec.file,
    rec.status,
    iso(rec.startedAt),
    iso(rec.finishedAt),
    rec.durationMs ?? null,
    rec.rowsWritten,
    rec.error ?? null,
    rec.reason ?? null,
  );
}

/** Saves many node records in one transaction. */
export function saveNodeRuns(ctx: SqliteCtx, recs: NodeRunRecord[]): void {
  if (recs.length === 0) return;
  tx(ctx, () => {
    for (const rec of recs) saveNodeRun(ctx, rec);
  });
}

/** Node records of a run, in the order they were first saved. */
export function listNodeRuns(ctx: SqliteCtx, runId: string): NodeRunRecord[] {
  const rows = prep(
    ctx,
    "SELECT * FROM _runnel_node_runs WHERE run_id = ? ORDER BY rowid",
  ).all(runId) as unknown as RawNodeRun[];
  return rows.map((r) => {
    const rec: NodeRunRecord = {
      runId: r.run_id,
      nodeId: r.node_id,
      title: r.title,
      file: r.file,
      status: r.status,
      rowsWritten: r.rows_written,
    };
    if (r.started_at !== null) rec.startedAt = new Date(r.started_at);
    if (r.finished_at !== null) rec.finishedAt = new Date(r.finished_at);
    if (r.duration_ms !== null) rec.durationMs = r.duration_ms;
    if (r.error !== null) rec.error = r.error;
    if (r.reason !== null) rec.reason = r.reason;
    return rec;
  });
}

/** Node records of each status, per run. */
export function countNodeRuns(
  ctx: SqliteCtx,
  runIds: string[],
): Map<string, NodeStatusCounts> {
  if (runIds.length === 0) return new Map();
  const rows = prep(
    ctx,
    "SELECT run_id, status, count(*) AS n FROM _runnel_node_runs WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id, status ORDER BY run_id, status",
  ).all(JSON.stringify(runIds)) as unknown as StatusCountRow[];
  return statusCountsByRun(rows);
}

/** Appends log lines in one transaction. */
export function appendLogs(ctx: SqliteCtx, logs: LogRecord[]): void {
  if (logs.length === 0) return;
  const st = prep(
    ctx,
    "INSERT INTO _runnel_logs (run_id, node_id, ts, level, message) VALUES (?, ?, ?, ?, ?)",
  );
  tx(ctx, () => {
    for (const l of logs) {
      st.run(l.runId, l.nodeId, l.ts.toISOString(), l.level, l.message);
    }
  });
}

/** Log lines of a run (optionally one node), in the order they were appended. */
export function listLogs(
  ctx: SqliteCtx,
  runId: string,
  nodeId?: string,
  page?: LogPage,
): LogRecord[] {
  const where = nodeId === undefined
    ? "run_id = ?"
    : "run_id = ? AND node_id = ?";
  const args: (string | number)[] = nodeId === undefined
    ? [runId]
    : [runId, nodeId];
  let sql = `SELECT * FROM _runnel_logs WHERE ${where} ORDER BY rowid`;
  if (page !== undefined) {
    sql += " LIMIT ? OFFSET ?";
    args.push(page.limit, page.offset);
  }
  const rows = prep(ctx, sql).all(...args) as unknown as {
    run_id: string;
    node_id: string;
    ts: string;
    level: LogRecord["level"];
    message: string;
  }[];
  return rows.map((r) => ({
    runId: r.run_id,
    nodeId: r.node_id,
    ts: new Date(r.ts),
    level: r.level,
    message: r.message,
  }));
}

/** The committed state of a node; `{}` when it has none. */
export function getState(ctx: SqliteCtx, nodeId: string): NodeState {
  const r = prep(ctx, "SELECT state FROM _runnel_state WHERE node_id = ?").get(
    nodeId,
  ) as { state: string } | undefined;
  return r === undefined ? {} : JSON.parse(r.state) as NodeState;
}

/** Replaces a node's state (call inside the commit transaction). */
export function writeState(ctx: SqliteCtx, nodeId: string, json: string): void {
  prep(
    ctx,
    "INSERT INTO _runnel_state (node_id, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
  ).run(nodeId, json, new Date().toISOString());
}
