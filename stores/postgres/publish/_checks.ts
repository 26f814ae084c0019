/**
 * Argument checks and read access of PostgreSQL publications. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import { DataError, StoreError } from "../../../core/errors.ts";
import { checkTableName } from "../../_def.ts";
import {
  type CatalogRow,
  decodeCatalog,
  type PgCtx,
  qualified,
  type RawCatalog,
} from "../_catalog.ts";
import { run } from "../_connect.ts";
import type { PgStaged } from "../_physical.ts";
import type { Access } from "../_sandbox.ts";
import type { SnapshotSql } from "../_snapshot.ts";

export {
  checkNodeCache,
  normalizeDef,
  sameDef,
  stateJson,
} from "../../_def.ts";

/** PostgreSQL identifiers hold at most 63 bytes; a view is named like its table. */
const MAX_NAME_BYTES = 63;

/**
 * Throws unless `table` is a valid name that no committed table spells
 * differently and that fits a PostgreSQL identifier; returns its committed
 * catalog row, if any (one query for both).
 */
export async function checkNewName(
  ctx: PgCtx,
  table: string,
): Promise<CatalogRow | undefined> {
  checkTableName(table);
  if (new TextEncoder().encode(table).length > MAX_NAME_BYTES) {
    throw new StoreError(
      `Table name "${table}" is too long for the PostgreSQL store (at most ${MAX_NAME_BYTES} characters); pick a shorter name`,
    );
  }
  const rows = await run<RawCatalog>(
    ctx.sql,
    `SELECT * FROM ${ctx.qs}._runnel_tables WHERE lower(name) = lower($1)`,
    [table],
  );
  const clash = rows.find((r) => r.name !== table);
  if (clash !== undefined) {
    throw new StoreError(
      `Table "${table}" clashes with existing table "${clash.name}" (SQL names ignore case); use the same spelling`,
    );
  }
  return rows[0] && decodeCatalog(rows[0]);
}

/**
 * What SQL of a publication may read for the logical tables `allowed`:
 * their staged versions, committed versions and views; for a table
 * `shown` by a read snapshot (and not staged), the version it shows.
 */
export async function accessFor(
  ctx: PgCtx,
  staged: readonly PgStaged[],
  allowed: string[],
  verb: string,
  shown?: SnapshotSql,
): Promise<Access> {
  if (!Array.isArray(allowed)) {
    throw new DataError(`${verb}(): allowed must be an array of table names`);
  }
  const grants: string[] = [];
  const names = new Map<string, string>();
  // Names only: decoding every table's definition would cost a parse per table.
  const catalog = await run<{ name: string; physical: string }>(
    ctx.sql,
    `SELECT name, physical FROM ${ctx.qs}._runnel_tables`,
  );
  for (const c of catalog) {
    names.set(c.physical, c.name);
    names.set(c.name, c.name);
  }
  for (const s of staged) names.set(s.physical, s.table);
  const wanted = new Set(allowed);
  // Tables read through a snapshot: the version it shows, and the view
  // named like the table only while that view still selects that version.
  const pinned = new Map<string, string>();
  const replaced = new Set<string>();
  for (const t of wanted) {
    const p = shown?.physical(t);
    if (p === undefined || staged.some((s) => s.table === t)) continue;
    pinned.set(t, p);
    names.set(p, t);
    grants.push(qualified(ctx, p));
  }
  for (const c of catalog) {
    if (!wanted.has(c.name)) continue;
    const p = pinned.get(c.name);
    if (p === undefined) {
      grants.push(qualified(ctx, c.physical), qualified(ctx, c.name));
    } else if (p === c.physical) grants.push(qualified(ctx, c.name));
    else replaced.add(c.name);
  }
  for (const s of staged) {
    if (wanted.has(s.table)) grants.push(qualified(ctx, s.physical));
  }
  return {
    grants,
    declared: allowed,
    nameOf: (rel) => names.get(rel),
    replaced,
  };
}

/** Throws unless `rows` is an array. */
export function checkRows(verb: string, table: string, rows: unknown): void {
  if (!Array.isArray(rows)) {
    throw new DataError(
      `Cannot ${verb} table "${table}": rows must be an array of row objects`,
    );
  }
}
