/**
 * The version swap of the PostgreSQL store: one transaction points each
 * table at its new version and replaces its view (or appends a delta's rows
 * to the committed table, see `_delta.ts`), and saves node states and
 * cache records (DDL is transactional, so readers see all of it or none);
 * and the collection of physical tables nothing refers to any more.
 * Private to `stores/postgres/`.
 *
 * @module
 */

import { StoreError } from "../../../core/errors.ts";
import type {
  CommitOwner,
  CommitSummary,
  NodeCacheRecord,
} from "../../store.ts";
import { saveNodeRuns } from "../_records.ts";
import { type AnySql, qid, run, type Tx } from "../_connect.ts";
import {
  type CatalogRow,
  getCatalog,
  LOCK_CLASS_LIVE,
  lostError,
  type PgCtx,
  PHYSICAL_PREFIX,
  qualified,
} from "../_catalog.ts";
import { type PgStaged, stagedContentVersion } from "../_physical.ts";
import { writeNodeCaches, writeStates } from "../_node_state.ts";
import { applyDelta, changedWhileWriting } from "./_delta.ts";

/** What a publication hands to {@link commitStaged}. */
export interface CommitInput {
  staged: PgStaged[];
  /** Node id → state JSON. */
  states: Map<string, string>;
  caches: Map<string, NodeCacheRecord>;
}

async function replaceView(
  ctx: PgCtx,
  tx: AnySql,
  s: PgStaged,
): Promise<void> {
  const kind = await run<{ kind: string }>(
    tx,
    `SELECT c.relkind AS kind FROM pg_class c
      WHERE c.relnamespace = $1::regnamespace AND c.relname = $2`,
    [ctx.qs, s.table],
  );
  const view = qualified(ctx, s.table);
  const select = `SELECT ${s.names.map(qid).join(", ")} FROM ${
    qualified(ctx, s.physical)
  }`;
  if (kind[0] !== undefined && kind[0].kind !== "v") {
    throw new StoreError(
      `the schema ${ctx.target.schema} already holds a relation named "${s.table}" that Runnel does not manage; rename or drop it`,
    );
  }
  if (kind[0] !== undefined) {
    try {
      // Keeps views users built on top when only columns were added.
      await (tx as Tx).savepoint((sp) =>
        run(sp, `CREATE OR REPLACE VIEW ${view} AS ${select}`, [], false)
      );
      return;
    } catch {
      await run(tx, `DROP VIEW ${view}`, [], false);
    }
  }
  await run(tx, `CREATE VIEW ${view} AS ${select}`, [], false);
}

async function publishTable(
  ctx: PgCtx,
  tx: AnySql,
  s: PgStaged,
  cv: string,
  owner: { runId: string; nodeId?: string },
): Promise<{ version: number; changed: boolean; drop?: string }> {
  const cur: CatalogRow | undefined = await getCatalog(ctx, s.table, tx);
  if (
    (s.baseVersion !== undefined && cur?.version !== s.baseVersion) ||
    (s.base !== undefined && cur?.physical !== s.base.physical)
  ) {
    throw changedWhileWriting(s.table, s.baseVersion, cur?.version);
  }
  const lastId = Math.max(s.lastId, cur?.lastId ?? 0);
  const nextPos = Math.max(s.nextPos, cur?.nextPos ?? 0);
  if (cur !== undefined && cur.contentVersion === cv) {
    // Identical contents: keep the committed version; remember ids handed out.
    if (lastId > cur.lastId) {
      await run(
        tx,
        `UPDATE ${ctx.qs}._runnel_tables SET last_id = $1 WHERE name = $2`,
        [lastId, s.table],
      );
    }
    return { version: cur.version, changed: false, drop: s.physical };
  }
  const version = (cur?.version ?? 0) + 1;
  // A delta goes into the committed table, which stays in place (with its
  // view and index); any other staged version replaces it.
  const physical = s.base === undefined ? s.physical : s.base.physical;
  if (s.base !== undefined) await applyDelta(ctx, tx, s, physical);
  await run(
    tx,
    `INSERT INTO ${ctx.qs}._runnel_tables (name, def, physical, row_count, version, updated_at, run_id, node_id, last_id, next_pos, keyed, content_version, hash_lo, hash_hi)
     VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (name) DO UPDATE SET def = excluded.def,
       physical = excluded.physical, row_count = excluded.row_count,
       version = excluded.version, updated_at = excluded.updated_at,
       run_id = excluded.run_id, node_id = excluded.node_id,
       last_id = excluded.last_id, next_pos = excluded.next_pos,
       keyed = excluded.keyed, content_version = excluded.content_version,
       hash_lo = excluded.hash_lo, hash_hi = excluded.hash_hi`,
    [
      s.table,
      JSON.stringify(s.def),
      physical,
      s.rowCount!,
      version,
      owner.runId,
      owner.nodeId ?? null,
      lastId,
      nextPos,
      s.base === undefined ? s.keyed : cur!.keyed,
      cv,
      String(s.sums!.lo),
      String(s.sums!.hi),
    ],
  );
  await run(
    tx,
    `INSERT INTO ${ctx.qs}._runnel_table_versions (table_name, version, physical, run_id, node_id, row_count, created_at, content_version)
     VALUES ($1, $2, $3, $4, $5, $6, now(), $7)
     ON CONFLICT (table_name, version) DO NOTHING`,
    [
      s.table,
      version,
      physical,
      owner.runId,
      owner.nodeId ?? null,
      s.rowCount!,
      cv,
    ],
  );
  if (s.base !== undefined) {
    // The delta's rows are in; its table goes in the same transaction.
    await run(tx, `DROP TABLE ${qualified(ctx, s.physical)}`, [], false);
    await run(
      tx,
      `DELETE FROM ${ctx.qs}._runnel_staging WHERE physical = $1`,
      [s.physical],
    );
    return { version, changed: true };
  }
  await replaceView(ctx, tx, s);
  await run(
    tx,
    `DELETE FROM ${ctx.qs}._runnel_staging WHERE physical = $1`,
    [s.physical],
  );
  return cur === undefined
    ? { version, changed: true }
    : { version, changed: true, drop: cur.physical };
}

/**
 * Publishes staged versions, node states and cache records in one
 * transaction. A staged version whose contents equal the committed ones
 * is not published. Returns the summary and the physical tables to drop
 * afterwards.
 */
export async function commitStaged(
  ctx: PgCtx,
  input: CommitInput,
  owner: CommitOwner,
): Promise<{ summary: CommitSummary; drop: string[] }> {
  const summary: CommitSummary = {
    versions: {},
    contentVersions: {},
    changed: [],
  };
  const drop: string[] = [];
  const { states, caches } = input;
  const staged = [...input.staged].sort((a, b) =>
    a.table < b.table ? -1 : a.table > b.table ? 1 : 0
  );
  const nodeRuns = owner.nodeRuns ?? [];
  if (
    staged.length === 0 && states.size === 0 && caches.size === 0 &&
    nodeRuns.length === 0
  ) {
    return { summary, drop };
  }
  // Content versions are computed before the transaction, to keep it short.
  const cvs = new Map<PgStaged, string>();
  for (const s of staged) cvs.set(s, await stagedContentVersion(ctx, s));
  await ctx.sql.begin(async (tx) => {
    // The staged tables are only safe while this instance's liveness
    // lock (on its session connection) has been held all along.
    const live = await run(
      tx,
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1
          AND objid = $2 AND objsubid = 2 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_CLASS_LIVE, ctx.instance],
    );
    if (live.length === 0 || ctx.lost) throw lostError(ctx);
    if (staged.length > 0) {
      await run(
        tx,
        `SELECT name FROM ${ctx.qs}._runnel_tables WHERE name IN (SELECT jsonb_array_elements_text($1::text::jsonb)) ORDER BY name FOR UPDATE`,
        [JSON.stringify(staged.map((s) => s.table))],
      );
    }
    for (const s of staged) {
      const exists = await run(tx, "SELECT to_regclass($1) IS NOT NULL AS ok", [
        qualified(ctx, s.physical),
      ]) as { ok: boolean }[];
      if (!exists[0]?.ok) {
        throw new StoreError(
          `the staged version of table "${s.table}" no longer exists (was the store cleaned up by another process?); run the node again`,
        );
      }
      const cv = cvs.get(s)!;
      const r = await publishTable(ctx, tx, s, cv, owner);
      summary.versions[s.table] = r.version;
      summary.contentVersions[s.table] = cv;
      if (r.changed) summary.changed.push(s.table);
      if (r.drop !== undefined) drop.push(r.drop);
    }
    await writeStates(ctx, tx, states);
    await writeNodeCaches(ctx, tx, [...caches.values()]);
    await saveNodeRuns(ctx, nodeRuns, tx);
  });
  summary.changed.sort();
  return { summary, drop };
}

/**
 * Drops physical tables that no committed version references and no live
 * store instance is still building (leftovers of killed processes, or of
 * a drop that failed). Best effort: errors leave them for next time.
 */
export async function collectGarbage(ctx: PgCtx): Promise<string[]> {
  const dropped: string[] = [];
  try {
    const rows = await run<{ name: string; instance: number | null }>(
      ctx.sql,
      `SELECT c.relname AS name, s.instance
         FROM pg_class c
         LEFT JOIN ${ctx.qs}._runnel_staging s ON s.physical = c.relname
        WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
          AND left(c.relname, ${PHYSICAL_PREFIX.length}) = $2
          AND c.relname NOT IN (SELECT physical FROM ${ctx.qs}._runnel_tables)
          AND (s.instance IS NULL OR NOT EXISTS (
            SELECT 1 FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.classid = $3
               AND l.objid = s.instance AND l.objsubid = 2 AND l.granted
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())))`,
      [ctx.qs, PHYSICAL_PREFIX, LOCK_CLASS_LIVE],
    );
    for (const r of rows) {
      try {
        await ctx.sql.begin(async (tx) => {
          await run(tx, "SET LOCAL lock_timeout = '1s'", [], false);
          await run(
            tx,
            `DROP TABLE IF EXISTS ${qualified(ctx, r.name)}`,
            [],
            false,
          );
          await run(
            tx,
            `DELETE FROM ${ctx.qs}._runnel_staging WHERE physical = $1`,
            [r.name],
          );
        });
        dropped.push(r.name);
      } catch {
        // in use or already gone: next time
      }
    }
    await run(
      ctx.sql,
      `DELETE FROM ${ctx.qs}._runnel_staging s WHERE to_regclass(${"quote_ident($1) || '.' || quote_ident(s.physical)"}) IS NULL`,
      [ctx.target.schema],
    );
  } catch {
    return dropped;
  }
  return dropped;
}
