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
import { codeOf, qid } from "../_connect.ts";
import {
  type CatalogRow,
  decodeCatalog,
  LOCK_CLASS_LIVE,
  lostError,
  type PgCtx,
  qualified,
  type RawCatalog,
  STALE_CODE,
} from "../_catalog.ts";
import {
  dropPhysicalIn,
  type PgStaged,
  stagedContentVersion,
} from "../_physical.ts";
import { type Pipeline, pipelined } from "../_pipeline.ts";
import { writeNodeCaches, writeStates } from "../_records.ts";
import { applyDelta, changedWhileWriting } from "./_delta.ts";

/** What a publication hands to {@link commitStaged}. */
export interface CommitInput {
  staged: PgStaged[];
  /** Node id → state JSON. */
  states: Map<string, string>;
  caches: Map<string, NodeCacheRecord>;
}

/** The view named like the table, selecting the new version's columns. */
function replaceView(
  ctx: PgCtx,
  tx: Pipeline,
  s: PgStaged,
  kind: string | undefined,
): void {
  const view = qualified(ctx, s.table);
  const select = `SELECT ${s.names.map(qid).join(", ")} FROM ${
    qualified(ctx, s.physical)
  }`;
  if (kind !== undefined && kind !== "v") {
    throw new StoreError(
      `the schema ${ctx.target.schema} already holds a relation named "${s.table}" that Runnel does not manage; rename or drop it`,
    );
  }
  if (kind === undefined) {
    tx.run(`CREATE VIEW ${view} AS ${select}`, [], false);
    return;
  }
  // Keeps views users built on top when only columns were added; else
  // replaces it (names are letters, digits and _, so the body is safe).
  tx.run(
    `DO $runnel$ BEGIN CREATE OR REPLACE VIEW ${view} AS ${select};
     EXCEPTION WHEN OTHERS THEN DROP VIEW ${view}; CREATE VIEW ${view} AS ${select};
     END $runnel$`,
    [],
    false,
  );
}

/** What the commit found, under lock, before writing. */
interface Found {
  cur: Map<string, CatalogRow>;
  /** Relation kinds by name, for the tables' views and staged versions. */
  kinds: Map<string, string>;
}

/** Sends the writes publishing `s`; returns what the summary and the drops need. */
function publishTable(
  ctx: PgCtx,
  tx: Pipeline,
  s: PgStaged,
  cv: string,
  owner: { runId: string; nodeId?: string },
  found: Found,
): { version: number; changed: boolean; drop?: string } {
  if (found.kinds.get(s.physical) !== "r") {
    throw new StoreError(
      `the staged version of table "${s.table}" no longer exists (was the store cleaned up by another process?); run the node again`,
    );
  }
  const cur = found.cur.get(s.table);
  if (
    (s.baseVersion !== undefined && cur?.version !== s.baseVersion) ||
    (s.base !== undefined && cur?.physical !== s.base.physical)
  ) {
    throw changedWhileWriting(s.table, s.baseVersion, cur?.version);
  }
  const lastId = Math.max(s.lastId, cur?.lastId ?? 0);
  const nextPos = Math.max(s.nextPos, cur?.nextPos ?? 0);
  if (cur !== undefined && cur.contentVersion === cv) {
    // Identical contents: keep the committed version; remember ids handed
    // out. No one else knows the staged table: it goes in this transaction.
    if (lastId > cur.lastId) {
      tx.run(
        `UPDATE ${ctx.qs}._runnel_tables SET last_id = $1 WHERE name = $2`,
        [lastId, s.table],
      );
    }
    dropPhysicalIn(ctx, tx, s.physical);
    return { version: cur.version, changed: false };
  }
  const version = (cur?.version ?? 0) + 1;
  // A delta goes into the committed table, which stays in place (with its
  // view and index); any other staged version replaces it.
  const physical = s.base === undefined ? s.physical : s.base.physical;
  if (s.base !== undefined) tx.track(applyDelta(ctx, tx.sql, s, physical));
  tx.run(
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
  tx.run(
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
    dropPhysicalIn(ctx, tx, s.physical);
    return { version, changed: true };
  }
  replaceView(ctx, tx, s, found.kinds.get(s.table));
  tx.run(`DELETE FROM ${ctx.qs}._runnel_staging WHERE physical = $1`, [
    s.physical,
  ]);
  return cur === undefined
    ? { version, changed: true }
    : { version, changed: true, drop: cur.physical };
}

/**
 * Sends checks, under lock, that the catalog rows and relations of
 * `staged` are still those seen when staging began (`expect`), failing
 * the transaction with {@link STALE_CODE} otherwise; returns them.
 */
function assumeCatalog(
  ctx: PgCtx,
  tx: Pipeline,
  staged: readonly PgStaged[],
): Found {
  const cur = new Map<string, CatalogRow>();
  const kinds = new Map<string, string>();
  for (const s of staged) {
    kinds.set(s.physical, "r");
    if (s.expect) {
      cur.set(s.table, s.expect);
      kinds.set(s.table, "v");
    }
  }
  const row = (c: CatalogRow) => [
    c.version,
    c.physical,
    c.lastId,
    c.nextPos,
    c.keyed,
    c.contentVersion,
  ];
  tx.run(
    `SELECT ${ctx.qs}._runnel_assert(EXISTS (SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1 AND objid = $2
          AND objsubid = 2 AND granted AND database = (SELECT oid FROM
            pg_database WHERE datname = current_database())), 'the liveness lock')`,
    [LOCK_CLASS_LIVE, ctx.instance],
  );
  tx.run(
    `SELECT ${ctx.qs}._runnel_assert(coalesce((SELECT jsonb_object_agg(t.name,
        jsonb_build_array(t.version, t.physical, t.last_id, t.next_pos, t.keyed, t.content_version))
        FROM (SELECT * FROM ${ctx.qs}._runnel_tables WHERE name IN
          (SELECT jsonb_array_elements_text($1::text::jsonb)) ORDER BY name FOR UPDATE) t),
        '{}'::jsonb) = $2::text::jsonb, 'the catalog')`,
    [
      JSON.stringify(staged.map((s) => s.table)),
      JSON.stringify(Object.fromEntries([...cur].map(([k, c]) => [k, row(c)]))),
    ],
  );
  tx.run(
    `SELECT ${ctx.qs}._runnel_assert(coalesce((SELECT jsonb_object_agg(c.relname::text, c.relkind::text)
        FROM pg_class c WHERE c.relnamespace = $1::regnamespace
          AND c.relname IN (SELECT jsonb_array_elements_text($2::text::jsonb))),
        '{}'::jsonb) = $3::text::jsonb, 'the relations')`,
    [
      ctx.qs,
      // Tables expected absent are looked up too.
      JSON.stringify(staged.flatMap((s) => [s.table, s.physical])),
      JSON.stringify(Object.fromEntries(kinds)),
    ],
  );
  return { cur, kinds };
}

/** Reads, under lock, what publishing `staged` depends on (sent, not awaited). */
function lockCatalog(
  ctx: PgCtx,
  tx: Pipeline,
  staged: readonly PgStaged[],
): Promise<Found> {
  // The staged tables are only safe while this instance's liveness
  // lock (on its session connection) has been held all along.
  const live = tx.run(
    `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1
        AND objid = $2 AND objsubid = 2 AND granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [LOCK_CLASS_LIVE, ctx.instance],
  );
  if (staged.length === 0) {
    return live.then((l) => {
      if (l.length === 0 || ctx.lost) throw lostError(ctx);
      return { cur: new Map(), kinds: new Map() };
    });
  }
  const rows = tx.run<RawCatalog>(
    `SELECT * FROM ${ctx.qs}._runnel_tables WHERE name IN (SELECT jsonb_array_elements_text($1::text::jsonb)) ORDER BY name FOR UPDATE`,
    [JSON.stringify(staged.map((s) => s.table))],
  );
  const kinds = tx.run<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
      WHERE c.relnamespace = $1::regnamespace
        AND c.relname IN (SELECT jsonb_array_elements_text($2::text::jsonb))`,
    [ctx.qs, JSON.stringify(staged.flatMap((s) => [s.table, s.physical]))],
  );
  return Promise.all([live, rows, kinds]).then(([l, r, k]) => {
    if (l.length === 0 || ctx.lost) throw lostError(ctx);
    return {
      cur: new Map(r.map((x) => [x.name, decodeCatalog(x)])),
      kinds: new Map(k.map((x) => [x.name, x.kind])),
    };
  });
}

/**
 * Publishes staged versions, node states and cache records in one
 * transaction of two round trips (what it depends on, read under lock;
 * then every write and the commit). A staged version whose contents
 * equal the committed ones is not published. Returns the summary and the
 * physical tables to drop afterwards.
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
  const write = (tx: Pipeline, found: Found) => {
    for (const s of staged) {
      const cv = cvs.get(s)!;
      const r = publishTable(ctx, tx, s, cv, owner, found);
      summary.versions[s.table] = r.version;
      summary.contentVersions[s.table] = cv;
      if (r.changed) summary.changed.push(s.table);
      if (r.drop !== undefined) drop.push(r.drop);
    }
    tx.track(writeStates(ctx, tx.sql, states));
    tx.track(writeNodeCaches(ctx, tx.sql, [...caches.values()]));
    tx.track(saveNodeRuns(ctx, nodeRuns, tx.sql));
  };
  if (staged.every((s) => s.expect !== undefined)) {
    // One round trip: assume the catalog is as it was when staging began,
    // check that under lock, and write in the same pipeline.
    let assumed = false;
    try {
      await pipelined(ctx.pipes, (tx) => {
        const found = assumeCatalog(ctx, tx, staged);
        assumed = true;
        write(tx, found);
      });
      summary.changed.sort();
      return { summary, drop };
    } catch (err) {
      if (codeOf(err) !== STALE_CODE && assumed) throw err;
    }
    // Something changed meanwhile: read, then write.
    summary.versions = {};
    summary.contentVersions = {};
    summary.changed = [];
    drop.length = 0;
  }
  await pipelined(ctx.pipes, async (tx) => {
    write(tx, await lockCatalog(ctx, tx, staged));
  });
  summary.changed.sort();
  return { summary, drop };
}
