/**
 * Pins of the SQLite store: the physical versions open read snapshots
 * show, kept in the file so that no process drops one while a snapshot
 * may still need it. A snapshot's own connection keeps seeing a dropped
 * table (WAL), but a node's SQL runs on other connections, which read the
 * version by its name (see `_snapshot.ts`). A pinned version that is no
 * longer committed is dropped when its last pin goes; pins of processes
 * that died are ignored. Private to `stores/sqlite/`.
 *
 * @module
 */

import { quoteId } from "./_codec.ts";
import { HOST, prep, type SqliteCtx, tx } from "./_catalog.ts";

/** Ids of the snapshots open in this process. */
export const LIVE_PINS: Set<string> = new Set();

const DAY_MS = 24 * 3600 * 1000;

/** Who holds a pin or a staged table, as recorded in the file. */
export interface Owner {
  pid: number;
  host: string;
  created_at: string;
}

/**
 * True when the owner can no longer use what it holds: a process of this
 * machine that is gone (`aliveHere` answers for this process), or a
 * record older than a day when that cannot be known.
 */
export function ownerGone(r: Owner, aliveHere: () => boolean): boolean {
  if (r.host === HOST && r.pid === Deno.pid) return !aliveHere();
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

const DDL = `CREATE TABLE IF NOT EXISTS _runnel_pins (
  physical TEXT NOT NULL, snapshot TEXT NOT NULL, pid INTEGER NOT NULL,
  host TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (physical, snapshot))`;

/**
 * Creates the pin table when the file has none (stores written before
 * pins existed; Runnels of then ignore it).
 */
export function ensurePins(ctx: SqliteCtx): void {
  const found = ctx.db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_runnel_pins'",
  ).get();
  if (found === undefined) tx(ctx, () => ctx.db.exec(DDL));
}

/** Inside a write transaction: pins `physicals` for the snapshot `id` of this process. */
export function pin(ctx: SqliteCtx, id: string, physicals: string[]): void {
  const now = new Date().toISOString();
  const insert = prep(
    ctx,
    "INSERT OR IGNORE INTO _runnel_pins (physical, snapshot, pid, host, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  for (const p of physicals) insert.run(p, id, Deno.pid, HOST, now);
}

interface PinRow extends Owner {
  snapshot: string;
}

/**
 * Inside a write transaction: whether a live snapshot pins `physical`.
 * Pins of dead owners are deleted on the way.
 */
export function pinned(ctx: SqliteCtx, physical: string): boolean {
  const rows = prep(
    ctx,
    "SELECT snapshot, pid, host, created_at FROM _runnel_pins WHERE physical = ?",
  ).all(physical) as unknown as PinRow[];
  let live = false;
  for (const r of rows) {
    if (!ownerGone(r, () => LIVE_PINS.has(r.snapshot))) live = true;
    else {
      prep(ctx, "DELETE FROM _runnel_pins WHERE physical = ? AND snapshot = ?")
        .run(physical, r.snapshot);
    }
  }
  return live;
}

/** A version a snapshot pinned, and the table it is a version of. */
export interface PinnedVersion {
  table: string;
  physical: string;
}

/**
 * Releases the pins of snapshot `id` on `versions` and drops each of them
 * that is no longer committed, staged or pinned. Best effort: what is
 * left is collected when the store is next opened.
 */
export function unpin(
  ctx: SqliteCtx,
  id: string,
  versions: readonly PinnedVersion[],
): void {
  LIVE_PINS.delete(id);
  if (ctx.closed || versions.length === 0) return;
  try {
    tx(ctx, () => {
      for (const { table, physical } of versions) {
        prep(
          ctx,
          "DELETE FROM _runnel_pins WHERE physical = ? AND snapshot = ?",
        )
          .run(physical, id);
        // A version belongs to one table: still its committed one, it stays.
        const now = prep(
          ctx,
          "SELECT physical FROM _runnel_tables WHERE name = ?",
        ).get(table) as { physical: string } | undefined;
        if (now?.physical === physical) continue;
        const staged = prep(
          ctx,
          "SELECT 1 FROM _runnel_staging WHERE physical = ?",
        ).get(physical);
        if (staged !== undefined || pinned(ctx, physical)) continue;
        ctx.writers.delete(physical);
        ctx.db.exec(`DROP TABLE IF EXISTS ${quoteId(physical)}`);
      }
    });
  } catch {
    // left for the garbage collector of the next open
  }
}
