/**
 * The version swap of the SQLite store: committing staged versions into
 * the catalog in one transaction (a delta of appended rows goes into the
 * committed table instead, see `_delta.ts`), and collecting physical
 * tables nothing refers to any more. Private to `stores/sqlite/`.
 *
 * @module
 */

import { StoreError } from "../../../core/errors.ts";
import type {
  CommitOwner,
  CommitSummary,
  NodeCacheRecord,
} from "../../store.ts";
import { quoteId } from "../_codec.ts";
import {
  getCatalog,
  LIVE_STAGED,
  PHYSICAL_PREFIX,
  prep,
  type SqliteCtx,
  tx,
} from "../_catalog.ts";
import {
  type Staged,
  stagedContentVersion,
  stagedCount,
} from "../_physical.ts";
import { saveNodeRun, writeState } from "../_records.ts";
import { writeNodeCache } from "../_node_cache.ts";
import { applyDelta, changedWhileWriting } from "./_delta.ts";
import { type Owner, ownerGone, pinned } from "../_pins.ts";

/** The type of the object named `name` (any case), by a scan of the schema. */
function objectType(ctx: SqliteCtx, name: string): string | undefined {
  const r = prep(
    ctx,
    "SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE",
  ).get(name) as { type: string } | undefined;
  return r?.type;
}

/** Whether a table or view named `name` (any case) exists, from the connection's schema (no scan). */
function tableExists(ctx: SqliteCtx, name: string): boolean {
  return prep(ctx, "SELECT 1 FROM pragma_table_info(?, 'main') LIMIT 1")
    .get(name) !== undefined;
}

function notManaged(table: string, type: string): StoreError {
  return new StoreError(
    `the database already holds a ${type} named "${table}" that Runnel does not manage; rename or drop it`,
  );
}

/**
 * (Re)creates the view named like the table, selecting its user columns
 * from `physical`. Another object of that name makes SQLite refuse, which
 * says which one.
 */
function createView(ctx: SqliteCtx, s: Staged, physical: string): void {
  const view = quoteId(s.table);
  try {
    ctx.db.exec(`DROP VIEW IF EXISTS ${view}`);
    ctx.db.exec(
      `CREATE VIEW ${view} AS SELECT ${s.names.map(quoteId).join(", ")} FROM ${
        quoteId(physical)
      }`,
    );
  } catch (err) {
    const message = String((err as Error)?.message);
    if (/^use DROP TABLE to delete table /.test(message)) {
      throw notManaged(s.table, "table");
    }
    const other = /^there is already an? (\w+) named /.exec(message);
    if (other !== null) throw notManaged(s.table, other[1]!);
    throw err;
  }
}

interface Published {
  version: number;
  contentVersion: string;
  changed: boolean;
  /** Physical table to drop once the transaction is done. */
  drop?: string;
}

function publishTable(
  ctx: SqliteCtx,
  s: Staged,
  owner: { runId: string; nodeId?: string },
  now: string,
): Published {
  const cur = getCatalog(ctx, s.table);
  if (s.baseVersion !== undefined && cur?.version !== s.baseVersion) {
    throw changedWhileWriting(s.table, s.baseVersion, cur?.version);
  }
  if (s.base !== undefined && cur?.physical !== s.base.physical) {
    throw changedWhileWriting(s.table, s.baseVersion, cur?.version);
  }
  if (!tableExists(ctx, s.physical)) {
    throw new StoreError(
      `the staged version of table "${s.table}" no longer exists (was the store cleaned up by another process?); run the node again`,
    );
  }
  const cv = stagedContentVersion(ctx, s);
  const lastId = Math.max(s.lastId, cur?.lastId ?? 0);
  if (cur !== undefined && cur.contentVersion === cv) {
    // Identical contents: keep the committed version; only remember ids
    // handed out (and lost to upserts) so they are never reused.
    if (lastId > cur.lastId) {
      prep(ctx, "UPDATE _runnel_tables SET last_id = ? WHERE name = ?").run(
        lastId,
        s.table,
      );
    }
    return {
      version: cur.version,
      contentVersion: cv,
      changed: false,
      drop: s.physical,
    };
  }
  // A delta keeps the view there is; any other version (re)creates it.
  const existing = s.base === undefined ? undefined : objectType(ctx, s.table);
  if (existing !== undefined && existing !== "view") {
    throw notManaged(s.table, existing);
  }
  const version = (cur?.version ?? 0) + 1;
  const rowCount = stagedCount(ctx, s);
  const sums = s.sums!;
  // A delta goes into the committed table, which stays in place; any other
  // staged version replaces it.
  const physical = s.base === undefined ? s.physical : s.base.physical;
  if (s.base !== undefined) applyDelta(ctx, s, physical);
  prep(
    ctx,
    `INSERT INTO _runnel_tables (name, def, physical, row_count, version, updated_at, run_id, node_id, last_id, content_version, hash_lo, hash_hi)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET def = excluded.def,
       physical = excluded.physical, row_count = excluded.row_count,
       version = excluded.version, updated_at = excluded.updated_at,
       run_id = excluded.run_id, node_id = excluded.node_id,
       last_id = excluded.last_id, content_version = excluded.content_version,
       hash_lo = excluded.hash_lo, hash_hi = excluded.hash_hi`,
  ).run(
    s.table,
    JSON.stringify(s.def),
    physical,
    rowCount,
    version,
    now,
    owner.runId,
    owner.nodeId ?? null,
    lastId,
    cv,
    String(sums.lo),
    String(sums.hi),
  );
  prep(
    ctx,
    "INSERT OR REPLACE INTO _runnel_table_versions (table_name, version, physical, run_id, node_id, row_count, created_at, content_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(
    s.table,
    version,
    physical,
    owner.runId,
    owner.nodeId ?? null,
    rowCount,
    now,
    cv,
  );
  const out: Published = { version, contentVersion: cv, changed: true };
  if (s.base !== undefined) {
    // The view already selects the committed table; the delta is dropped.
    if (existing === undefined) createView(ctx, s, physical);
    out.drop = s.physical;
    return out;
  }
  createView(ctx, s, physical);
  prep(ctx, "DELETE FROM _runnel_staging WHERE physical = ?").run(s.physical);
  if (cur !== undefined) out.drop = cur.physical;
  return out;
}

/** What a publication hands to {@link commitStaged}. */
export interface CommitInput {
  staged: Staged[];
  /** Node id → state JSON. */
  states: Map<string, string>;
  /** Node cache records, by node id. */
  caches: Map<string, NodeCacheRecord>;
}

/**
 * Publishes staged versions, node states and node cache records in one
 * durable transaction. A staged version whose contents equal the committed
 * ones is not published (its version stays). Returns the summary and the
 * physical tables to drop once the transaction is done (replaced versions
 * and unneeded staged ones).
 */
export function commitStaged(
  ctx: SqliteCtx,
  input: CommitInput,
  owner: CommitOwner,
): { summary: CommitSummary; drop: string[] } {
  const summary: CommitSummary = {
    versions: {},
    contentVersions: {},
    changed: [],
  };
  const drop: string[] = [];
  const { staged, states, caches } = input;
  const nodeRuns = owner.nodeRuns ?? [];
  if (
    staged.length === 0 && states.size === 0 && caches.size === 0 &&
    nodeRuns.length === 0
  ) {
    return { summary, drop };
  }
  const now = new Date().toISOString();
  // WAL with synchronous=NORMAL: a commit is atomic and survives a killed
  // process; only an OS crash or power loss may roll back the last commits,
  // which a rerun recomputes. FULL would add an fsync (~1 ms) per node.
  try {
    tx(ctx, () => {
      for (const s of staged) {
        const r = publishTable(ctx, s, owner, now);
        summary.versions[s.table] = r.version;
        summary.contentVersions[s.table] = r.contentVersion;
        if (r.changed) summary.changed.push(s.table);
        if (r.drop !== undefined) drop.push(r.drop);
      }
      for (const [nodeId, json] of states) writeState(ctx, nodeId, json);
      for (const rec of caches.values()) writeNodeCache(ctx, rec);
      for (const rec of nodeRuns) saveNodeRun(ctx, rec);
    });
  } catch (err) {
    drop.length = 0;
    throw err;
  }
  summary.changed.sort();
  return { summary, drop };
}

interface StagingRow extends Owner {
  physical: string;
}

/** True when the publication that staged this table can no longer commit it. */
function abandoned(r: StagingRow): boolean {
  return ownerGone(r, () => LIVE_STAGED.has(r.physical));
}

/**
 * Drops physical tables no committed version references, no live
 * publication is still building and no open read snapshot pins (leftovers
 * of killed processes or of a failed drop after commit). Best effort:
 * errors leave them for next time.
 */
export function collectGarbage(ctx: SqliteCtx): string[] {
  const dropped: string[] = [];
  try {
    tx(ctx, () => {
      const referenced = new Set(
        (prep(ctx, "SELECT physical FROM _runnel_tables").all() as {
          physical: string;
        }[]).map((r) => r.physical),
      );
      const staging = new Map(
        (prep(ctx, "SELECT * FROM _runnel_staging")
          .all() as unknown as StagingRow[]).map((r) => [r.physical, r]),
      );
      const names = (ctx.db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 5) = ?",
      ).all(PHYSICAL_PREFIX) as { name: string }[]).map((r) => r.name);
      for (const name of names) {
        if (referenced.has(name)) continue;
        const reg = staging.get(name);
        if (reg !== undefined && !abandoned(reg)) continue;
        if (pinned(ctx, name)) continue;
        ctx.db.exec(`DROP TABLE IF EXISTS ${quoteId(name)}`);
        dropped.push(name);
      }
      const existing = new Set(names);
      for (const physical of staging.keys()) {
        if (!existing.has(physical) || dropped.includes(physical)) {
          prep(ctx, "DELETE FROM _runnel_staging WHERE physical = ?").run(
            physical,
          );
        }
      }
    });
  } catch {
    return [];
  }
  return dropped;
}
