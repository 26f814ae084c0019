/**
 * Garbage collection of the PostgreSQL store: physical tables nothing
 * refers to any more (leftovers of killed processes or failed drops).
 * Private to `stores/postgres/`.
 *
 * @module
 */

import { run } from "../_connect.ts";
import {
  LOCK_CLASS_LIVE,
  type PgCtx,
  PHYSICAL_PREFIX,
  qualified,
} from "../_catalog.ts";

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
