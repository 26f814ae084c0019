/**
 * Argument checks and read access of SQLite publications. Private to
 * `stores/sqlite/`.
 *
 * @module
 */

import { DataError, StoreError } from "../../../core/errors.ts";
import { checkTableName } from "../_codec.ts";
import { getCatalog, prep, type SqliteCtx } from "../_catalog.ts";
import type { Staged } from "../_physical.ts";
import type { Access } from "../_query.ts";
import type { SnapshotView } from "../_snapshot.ts";
import type { TableDef } from "../../store.ts";

/** Throws unless `rows` is an array. */
export function checkRows(verb: string, table: string, rows: unknown): void {
  if (!Array.isArray(rows)) {
    throw new DataError(
      `Cannot ${verb} table "${table}": rows must be an array of row objects`,
    );
  }
}

/** Throws unless `table` is a valid name that no committed table spells differently. */
export function checkNewName(ctx: SqliteCtx, table: string): void {
  checkTableName(table);
  // Names are ASCII identifiers, so NOCASE is exactly "ignoring case".
  const clash = prep(
    ctx,
    "SELECT name FROM _runnel_tables WHERE name = ? COLLATE NOCASE AND name <> ? LIMIT 1",
  ).get(table, table) as { name: string } | undefined;
  if (clash !== undefined) {
    throw new StoreError(
      `Table "${table}" clashes with existing table "${clash.name}" (SQL names ignore case); use the same spelling`,
    );
  }
}

/**
 * What SQL of a publication may read for the logical tables `allowed`:
 * their staged versions, committed versions and views.
 */
export function accessFor(
  ctx: SqliteCtx,
  staged: ReadonlyMap<string, Staged>,
  allowed: string[],
): Access {
  if (!Array.isArray(allowed)) {
    throw new DataError("allowed must be an array of table names");
  }
  const readable = new Set<string>();
  const names = new Map<string, string>();
  const defs = new Map<string, TableDef>();
  const all = prep(ctx, "SELECT name, physical FROM _runnel_tables")
    .all() as { name: string; physical: string }[];
  for (const c of all) names.set(c.physical, c.name);
  for (const s of staged.values()) names.set(s.physical, s.table);
  for (const table of allowed) {
    const c = getCatalog(ctx, table);
    if (c !== undefined) {
      readable.add(c.physical).add(c.name);
      defs.set(c.physical, c.def);
    }
    const s = staged.get(table);
    if (s !== undefined) {
      readable.add(s.physical);
      defs.set(s.physical, s.def);
    }
  }
  return {
    readable,
    declared: allowed,
    nameOf: (p) => names.get(p),
    defOf: (p) => defs.get(p),
  };
}

/**
 * `access` with the tables of `views` read as their snapshot shows them:
 * the snapshot's physical versions become readable (through the views),
 * and versions committed since do not.
 */
export function snapshotAccess(
  ctx: SqliteCtx,
  access: Access,
  views: SnapshotView[],
): Access {
  const readable = new Set(access.readable);
  const defs = new Map<string, TableDef>();
  for (const v of views) {
    const now = getCatalog(ctx, v.table);
    if (now !== undefined && now.physical !== v.physical) {
      readable.delete(now.physical);
    }
    readable.add(v.physical).add(v.table);
    defs.set(v.physical, v.def);
  }
  return {
    readable,
    declared: access.declared,
    nameOf: (p) =>
      access.nameOf(p) ?? views.find((v) => v.physical === p)?.table,
    defOf: (p) => defs.get(p) ?? access.defOf?.(p),
    views,
  };
}
