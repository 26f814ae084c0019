/**
 * Upgrades of the SQLite store's catalog from older schema versions. Runs
 * inside the opening transaction, so an upgrade happens completely or not
 * at all. Private to `stores/sqlite/`.
 *
 * @module
 */

import { quoteId } from "./_codec.ts";
import { PHYSICAL_PREFIX, type SqliteCtx } from "./_catalog.ts";
import type { TableDef } from "../store.ts";
import { contentVersion, HASH_COL, HASH_FN } from "./_hash.ts";
import { scanSums } from "./_physical.ts";

/**
 * Version 1 → 2: adds the hidden row-hash column to every committed
 * physical table and fills it, records content versions, and drops staged
 * tables of version-1 processes (they could not be committed any more).
 */
function from1(ctx: SqliteCtx): void {
  const db = ctx.db;
  db.exec(`
    ALTER TABLE _runnel_tables ADD COLUMN content_version TEXT NOT NULL DEFAULT '';
    ALTER TABLE _runnel_tables ADD COLUMN hash_lo TEXT NOT NULL DEFAULT '0';
    ALTER TABLE _runnel_tables ADD COLUMN hash_hi TEXT NOT NULL DEFAULT '0';
    ALTER TABLE _runnel_table_versions ADD COLUMN content_version TEXT;`);
  const committed = new Map(
    (db.prepare("SELECT name, def, physical FROM _runnel_tables").all() as {
      name: string;
      def: string;
      physical: string;
    }[]).map((r) => [r.physical, r]),
  );
  const physicals = (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 5) = ?",
  ).all(PHYSICAL_PREFIX) as { name: string }[]).map((r) => r.name);
  const update = db.prepare(
    "UPDATE _runnel_tables SET content_version = ?, hash_lo = ?, hash_hi = ? WHERE name = ?",
  );
  const history = db.prepare(
    "UPDATE _runnel_table_versions SET content_version = ? WHERE table_name = ? AND physical = ?",
  );
  for (const physical of physicals) {
    const c = committed.get(physical);
    const q = quoteId(physical);
    if (c === undefined) {
      db.exec(`DROP TABLE ${q}`);
      continue;
    }
    const def = JSON.parse(c.def) as TableDef;
    const cols = Object.keys(def.schema).map(quoteId).join(", ");
    db.exec(`ALTER TABLE ${q} ADD COLUMN ${quoteId(HASH_COL)} INTEGER`);
    db.exec(`UPDATE ${q} SET ${quoteId(HASH_COL)} = ${HASH_FN}(${cols})`);
    const { n, sums } = scanSums(ctx, physical);
    const cv = contentVersion(def, n, sums);
    update.run(cv, String(sums.lo), String(sums.hi), c.name);
    history.run(cv, c.name, physical);
  }
  db.exec("DELETE FROM _runnel_staging");
}

/** Upgrades the catalog from schema version `from` to the current one. */
export function migrateCatalog(ctx: SqliteCtx, from: number): void {
  if (from < 2) from1(ctx);
}
