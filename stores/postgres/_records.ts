/**
 * Runs, node runs, logs, node state and node cache records in the PostgreSQL
 * store (state and cache are written only inside a commit transaction).
 * Private to `stores/postgres/`.
 *
 * @module
 */

import { NotFoundError, StoreError } from "../../core/errors.ts";
import type {
  LogPage,
  LogRecord,
  NodeCacheRecord,
  NodeRunRecord,
  NodeState,
  NodeStatusCounts,
  RunRecord,
} from "../store.ts";
import { type AnySql, run } from "./_connect.ts";
import type { PgCtx } from "./_catalog.ts";
import { type StatusCountRow, statusCountsByRun } from "../_status_counts.ts";

interface RawRun {
  id: string;
  status: RunRecord["status"];
  started_at: Date;
  finished_at: Date | null;
  selection: string;
  params: string;
  trigger: string;
}

function decodeRun(r: RawRun): RunRecord {
  const out: RunRecord = {
    id: r.id,
    status: r.status,
    startedAt: r.started_at,
    selection: JSON.parse(r.selection),
    params: JSON.parse(r.params),
    trigger: r.trigger,
  };
  if (r.finished_at !== null) out.finishedAt = r.finished_at;
  return out;
}

const RUN_COLS =
  "id, status, started_at, finished_at, selection, params, trigger";

/** Inserts a new run; its id must be new. */
export async function createRun(ctx: PgCtx, r: RunRecord): Promise<void> {
  const rows = await run(
    ctx.sql,
    `INSERT INTO ${ctx.qs}._runnel_runs (${RUN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO NOTHING RETURNING 1`,
    [
      r.id,
      r.status,
      r.startedAt,
      r.finishedAt ?? null,
      JSON.stringify(r.selection ?? []),
      JSON.stringify(r.params ?? {}),
      r.trigger,
    ],
  );
  if (rows.length === 0) throw new StoreError(`Run "${r.id}" already exists`);
}

/** Updates status and/or finish time of a run. */
export async function updateRun(
  ctx: PgCtx,
  id: string,
  patch: Partial<Pick<RunRecord, "status" | "finishedAt">>,
): Promise<void> {
  const rows = await run(
    ctx.sql,
    `UPDATE ${ctx.qs}._runnel_runs SET status = coalesce($1, status),
       finished_at = coalesce($2::timestamptz, finished_at) WHERE id = $3 RETURNING 1`,
    [patch.status ?? null, patch.finishedAt ?? null, id],
  );
  if (rows.length === 0) throw new NotFoundError(`Run "${id}" does not exist`);
}

/** Newest runs first. */
export async function listRuns(
  ctx: PgCtx,
  limit: number,
): Promise<RunRecord[]> {
  const rows = await run<RawRun>(
    ctx.sql,
    `SELECT ${RUN_COLS} FROM ${ctx.qs}._runnel_runs ORDER BY started_at DESC, seq DESC LIMIT $1`,
    [Math.max(0, Math.floor(limit))],
  );
  return rows.map(decodeRun);
}

/** A run by exact id or unique prefix. */
export async function getRun(
  ctx: PgCtx,
  idOrPrefix: string,
): Promise<RunRecord | undefined> {
  if (idOrPrefix === "") return undefined;
  const found = await run<RawRun>(
    ctx.sql,
    `SELECT ${RUN_COLS} FROM ${ctx.qs}._runnel_runs
      WHERE left(id, $2) = $1
      ORDER BY (id = $1) DESC, started_at DESC, seq DESC LIMIT 11`,
    [idOrPrefix, idOrPrefix.length],
  );
  if (found.length === 0) return undefined;
  if (found.length === 1 || found[0]!.id === idOrPrefix) {
    return decodeRun(found[0]!);
  }
  const shown = found.slice(0, 10).map((r) => r.id);
  throw new NotFoundError(
    `Run id prefix "${idOrPrefix}" is ambiguous; it matches ${
      shown.join(", ")
    }${found.length > 10 ? ", …" : ""}. Give more characters.`,
  );
}

const NODE_COLS =
  "run_id, node_id, title, file, status, started_at, finished_at, duration_ms, rows_written, error, reason";

/** Inserts or replaces node records (each keeps its first position), in one statement. */
export async function saveNodeRuns(
  ctx: PgCtx,
  recs: NodeRunRecord[],
  sql: AnySql = ctx.sql,
): Promise<void> {
  if (recs.length === 0) return;
  const json = JSON.stringify(recs.map((r) => ({
    run_id: r.runId,
    node_id: r.nodeId,
    title: r.title,
    file: r.file,
    status: r.status,
    started_at: r.startedAt ?? null,
    finished_at: r.finishedAt ?? null,
    duration_ms: r.durationMs ?? null,
    rows_written: r.rowsWritten,
    error: r.error ?? null,
    reason: r.reason ?? null,
  })));
  await run(
    sql,
    `INSERT INTO ${ctx.qs}._runnel_node_runs (${NODE_COLS})
     SELECT ${NODE_COLS} FROM jsonb_to_recordset($1::text::jsonb) AS v (
       run_id text, node_id text, title text, file text, status text,
       started_at timestamptz, finished_at timestamptz,
       duration_ms double precision, rows_written bigint, error text,
       reason text)
     ON CONFLICT (run_id, node_id) DO UPDATE SET title = excluded.title,
       file = excluded.file, status = excluded.status,
       started_at = excluded.started_at, finished_at = excluded.finished_at,
       duration_ms = excluded.duration_ms, rows_written = excluded.rows_written,
       error = excluded.error, reason = excluded.reason`,
    [json],
  );
}

interface RawNodeRun {
  run_id: string;
  node_id: string;
  title: string;
  file: string;
  status: NodeRunRecord["status"];
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  rows_written: number;
  error: string | null;
  reason: string | null;
}

/** Node records of each status, per run. */
export async function countNodeRuns(
  ctx: PgCtx,
  runIds: string[],
): Promise<Map<string, NodeStatusCounts>> {
  if (runIds.length === 0) return new Map();
  const rows = await run<StatusCountRow>(
    ctx.sql,
    `SELECT run_id, status, count(*)::int AS n FROM ${ctx.qs}._runnel_node_runs
      WHERE run_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))
      GROUP BY run_id, status ORDER BY run_id, status`,
    [JSON.stringify(runIds)],
  );
  return statusCountsByRun(rows);
}

/** Node records of a run, in the order they were first saved. */

export async function listNodeRuns(
  ctx: PgCtx,
  runId: string,
): Promise<NodeRunRecord[]> {
  const rows = await run<RawNodeRun>(
    ctx.sql,
    `SELECT ${NODE_COLS} FROM ${ctx.qs}._runnel_node_runs WHERE run_id = $1 ORDER BY seq`,
    [runId],
  );
  return rows.map((r) => {
    const rec: NodeRunRecord = {
      runId: r.run_id,
      nodeId: r.node_id,
      title: r.title,
      file: r.file,
      status: r.status,
      rowsWritten: Number(r.rows_written),
    };
    if (r.started_at !== null) rec.startedAt = r.started_at;
    if (r.finished_at !== null) rec.finishedAt = r.finished_at;
    if (r.duration_ms !== null) rec.durationMs = r.duration_ms;
    if (r.error !== null) rec.error = r.error;
    if (r.reason !== null) rec.reason = r.reason;
    return rec;
  });
}

/** Appends log lines in one statement. */
export async function appendLogs(
  ctx: PgCtx,
  logs: LogRecord[],
  sql: AnySql = ctx.sql,
): Promise<void> {
  if (logs.length === 0) return;
  await run(
    sql,
    `INSERT INTO ${ctx.qs}._runnel_logs (run_id, node_id, ts, level, message)
     SELECT * FROM jsonb_to_recordset($1::text::jsonb)
       AS v (run_id text, node_id text, ts timestamptz, level text, message text)`,
    [JSON.stringify(logs.map((l) => ({
      run_id: l.runId,
      node_id: l.nodeId,
      ts: l.ts,
      level: l.level,
      message: l.message,
    })))],
  );
}

/** Log lines of a run (optionally one node), in the order they were appended. */
export async function listLogs(
  ctx: PgCtx,
  runId: string,
  nodeId?: string,
  page?: LogPage,
): Promise<LogRecord[]> {
  const rows = await run<{
    run_id: string;
    node_id: string;
    ts: Date;
    level: LogRecord["level"];
    message: string;
  }>(
    ctx.sql,
    `SELECT run_id, node_id, ts, level, message FROM ${ctx.qs}._runnel_logs
      WHERE run_id = $1 AND ($2::text IS NULL OR node_id = $2) ORDER BY seq
      LIMIT $3 OFFSET $4`,
    [runId, nodeId ?? null, page?.limit ?? null, page?.offset ?? 0],
  );
  return rows.map((r) => ({
    runId: r.run_id,
    nodeId: r.node_id,
    ts: r.ts,
    level: r.level,
    message: r.message,
  }));
}

// Node state and node cache records: read by the planner, written only
// inside a publication's commit transaction.

/** The committed state of a node; `{}` when it has none. */
export async function getState(
  ctx: PgCtx,
  nodeId: string,
): Promise<NodeState> {
  const rows = await run<{ state: string }>(
    ctx.sql,
    `SELECT state FROM ${ctx.qs}._runnel_state WHERE node_id = $1`,
    [nodeId],
  );
  return rows[0] === undefined ? {} : JSON.parse(rows[0].state) as NodeState;
}

/** Replaces node states (inside the commit transaction). */
export async function writeStates(
  ctx: PgCtx,
  tx: AnySql,
  states: Map<string, string>,
): Promise<void> {
  if (states.size === 0) return;
  await run(
    tx,
    `INSERT INTO ${ctx.qs}._runnel_state (node_id, state, updated_at)
     SELECT key, value, now() FROM jsonb_each_text($1::text::jsonb)
     ON CONFLICT (node_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    [JSON.stringify(Object.fromEntries(states))],
  );
}

/** Replaces node cache records (inside the commit transaction). */
export async function writeNodeCaches(
  ctx: PgCtx,
  tx: AnySql,
  recs: NodeCacheRecord[],
): Promise<void> {
  if (recs.length === 0) return;
  await run(
    tx,
    `INSERT INTO ${ctx.qs}._runnel_node_cache (node_id, key, components, run_id, saved_at)
     SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS v (node_id text, key text,
       components text, run_id text, saved_at timestamptz)
     ON CONFLICT (node_id) DO UPDATE SET key = excluded.key,
       components = excluded.components, run_id = excluded.run_id,
       saved_at = excluded.saved_at`,
    [JSON.stringify(recs.map((r) => ({
      node_id: r.nodeId,
      key: r.key,
      components: JSON.stringify(r.components),
      run_id: r.runId,
      saved_at: r.savedAt,
    })))],
  );
}

/** The cache records of the given nodes (every node when omitted). */
export async function getNodeCache(
  ctx: PgCtx,
  nodeIds?: string[],
): Promise<Map<string, NodeCacheRecord>> {
  const rows = await run<{
    node_id: string;
    key: string;
    components: string;
    run_id: string;
    saved_at: Date;
  }>(
    ctx.sql,
    `SELECT node_id, key, components, run_id, saved_at FROM ${ctx.qs}._runnel_node_cache
      WHERE $1::text::jsonb IS NULL OR node_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))
      ORDER BY node_id COLLATE "C"`,
    [nodeIds === undefined ? null : JSON.stringify(nodeIds)],
  );
  const out = new Map<string, NodeCacheRecord>();
  for (const r of rows) {
    out.set(r.node_id, {
      nodeId: r.node_id,
      key: r.key,
      components: JSON.parse(r.components),
      runId: r.run_id,
      savedAt: r.saved_at,
    });
  }
  return out;
}
