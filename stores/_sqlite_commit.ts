/**
 * The version swap of the SQLite store: committing staged versions into
 * the catalog in one transaction, and collecting physical tables nothing
 * refers to any more. Private to `stores/sqlite.ts`.
 *
 * @module
 */

import { StoreError } from "../core/errors.ts";
import type { CommitSummary } from "./store.ts";
import { quoteId } from "./_sqlite_codec.ts";
import {
  getCatalog,
  HOST,
  LIVE_STAGED,
  PHYSICAL_PREFIX,
  prep,
  type SqliteCtx,
  tx,
} from "./_sqlite_catalog.ts";
import { type Staged, stagedCount } from "./_sqlite_writer.ts";
import { writeState } from "./_sqlite_records.ts";

function objectType(ctx: SqliteCtx, name: string): string | undefined {
  const r = prep(
    ctx,
    "SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE",
  ).get(name) as { type: string } | undefined;
  return r?.type;
}

function publishTable(
  ctx: SqliteCtx,
  s: Staged,
  owner: { runId: string; nodeId?: string },
  now: string,
): { version: number; replaced?: string } {
  const cur = getCatalog(ctx, s.table);
  if (s.baseVersion !== undefined && cur?.version !== s.baseVersion) {
    throw new StoreError(
      `table "${s.table}" changed while this publication was writing it (it copied version ${s.baseVersion}, another publication committed version ${cur?.version}); run the node again`,
    );
  }
  if (objectType(ctx, s.physical) !== "table") {
    throw new StoreError(
      `the staged version of table "${s.table}" no longer exists (was the store cleaned up by another process?); run the node again`,
    );
  }
  const existing = objectType(ctx, s.table);
  if (existing !== undefined && existing !== "view") {
    throw new StoreError(
      `the database already holds a ${existing} named "${s.table}" that Runnel does not manage; rename or drop it`,
    );
  }
  const version = (cur?.version ?? 0) + 1;
  const rowCount = stagedCount(ctx, s);
  const lastId = Math.max(s.lastId, cur?.lastId ?? 0);
  prep(
    ctx,
    `INSERT INTO _runnel_tables (name, def, physical, row_count, version, updated_at, run_id, node_id, last_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET def = excluded.def,
       physical = excluded.physical, row_count = excluded.row_count,
       version = excluded.version, updated_at = excluded.updated_at,
       run_id = excluded.run_id, node_id = excluded.node_id,
       last_id = excluded.last_id`,
  ).run(
    s.table,
    JSON.stringify(s.def),
    s.physical,
    rowCount,
    version,
    now,
    owner.runId,
    owner.nodeId ?? null,
    lastId,
  );
  prep(
    ctx,
    "INSERT OR REPLACE INTO _runnel_table_versions (table_name, version, physical, run_id, node_id, row_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  ).run(
    s.table,
    version,
    s.physical,
    owner.runId,
    owner.nodeId ?? null,
    rowCount,
    now,
  );
  const view = quoteId(s.table);
  ctx.db.exec(`DROP VIEW IF EXISTS ${view}`);
  ctx.db.exec(
    `CREATE VIEW ${view} AS SELECT ${s.names.map(quoteId).join(", ")} FROM ${
      quoteId(s.physical)
    }`,
  );
  prep(ctx, "DELETE FROM _runnel_staging WHERE physical = ?").run(s.physical);
  return { version, replaced: cur?.physical };
}

/**
 * Publishes staged versions and node states in one durable transaction.
 * Returns the new versions and the physical tables they replaced (to drop
 * once the transaction is done).
 */
export function commitStaged(
  ctx: SqliteCtx,
  staged: Staged[],
  states: Map<string, string>,
  owner: { runId: string; nodeId?: string },
): { summary: CommitSummary; replaced: string[] } {
  const summary: CommitSummary = { versions: {} };
  const replaced: string[] = [];
  if (staged.length === 0 && states.size === 0) return { summary, replaced };
  const now = new Date().toISOString();
  ctx.db.exec("PRAGMA synchronous = FULL");
  try {
    tx(ctx, () => {
      for (const s of staged) {
        const r = publishTable(ctx, s, owner, now);
        summary.versions[s.table] = r.version;
        if (r.replaced !== undefined) replaced.push(r.replaced);
      }
      for (const [nodeId, json] of states) writeState(ctx, nodeId, json);
    });
  } finally {
    ctx.db.exec("PRAGMA synchronous = NORMAL");
  }
  return { summary, replaced };
}

const DAY_MS = 24 * 3600 * 1000;

interface StagingRow {
  physical: string;
  pid: number;
  host: string;
  created_at: string;
}

/** True when the publication that staged this table can no longer commit it. */
function abandoned(r: StagingRow): boolean {
  if (r.host === HOST && r.pid === Deno.pid) {
    return !LIVE_STAGED.has(r.physical);
  }
  if (r.host === HOST && HOST !== "unknown" && Deno.build.os === "linux") {
    try {
      if (
        Deno.permissions.querySync({ name: "read", path: "/proc" }).state ===
          "granted"
      ) {
        Deno.statSync(`/proc/${r.pid}`);
        return false;
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return true;
    }
  }
  return Date.now() - Date.parse(r.created_at) > DAY_MS;
}

/**
 * Drops physical tables no committed version references and no live
 * publication is still building (leftovers of killed processes or of a
 * failed drop after commit). Best effort: errors leave them for next time.
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
