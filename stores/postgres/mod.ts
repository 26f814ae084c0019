/**
 * The PostgreSQL store (postgres.js over npm). One app lives in one
 * schema, `runnel_<slug>` unless the URL says `?schema=`:
 * - `_runnel_*` tables: the catalog (schema version in `_runnel_meta`,
 *   `_runnel_tables` pointing each logical table at its committed physical
 *   version, `_runnel_table_versions` keeping the history), staged tables,
 *   runs, node runs, logs, node state and node cache records;
 * - `__rt_<table>_<random>`: physical table versions, committed or staged,
 *   with a hidden `runnel:pos` column keeping insertion order (a committed
 *   one changes only by rows appended at its end, see `publish/_delta.ts`);
 * - one VIEW per logical table, named like it, over the committed version,
 *   so `SELECT * FROM runnel_leads.scored_leads` works from any client.
 *
 * Rows go in by binary COPY, two statements overlapping, while the next
 * batch is encoded (`publish/_writer.ts`); a table filled from empty gets its
 * unique index only when needed, its keys being checked meanwhile in JS
 * (`_keys.ts`). Commits swap catalog rows and views in one transaction
 * (`publish/_commit.ts`), or append a delta of appended rows to the committed
 * table (`publish/_delta.ts`); content versions are kept up to date from row hashes
 * (`_hash.ts`); SQL runs inside the database as a privilege-less role
 * (`_sandbox.ts`); locks are session advisory locks (`_lock.ts`).
 * Commits are asynchronous (`synchronous_commit = off`): atomic, and safe
 * from a killed Runnel; a crash of the server's machine may lose the last
 * fraction of a second of them, as with the SQLite store's WAL mode.
 *
 * @module
 */

import { StoreError } from "../../core/errors.ts";
import type { Store } from "../store.ts";
import { connect, connectFailure, qid } from "./_connect.ts";
import { parsePgUrl, type PgTarget } from "./_url.ts";

export { isPostgresUrl, redactUrl, schemaForSlug } from "./_url.ts";
import { initCatalog, type PgCtx } from "./_catalog.ts";
import { Connections } from "./_pipeline.ts";
import { collectGarbage } from "./publish/mod.ts";
import { SessionLocks } from "./_lock.ts";
import { PostgresStore } from "./_store.ts";

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Schema used when the URL has no `?schema=`. */
  schema?: string;
}

/**
 * Opens (creating schema and catalog if needed, migrating an older one)
 * the PostgreSQL store at `url`. Drops staged tables left behind by dead
 * processes. Throws a one-line StoreError when the server cannot be
 * reached, refuses the login, lacks the database, or holds a store written
 * by a newer Runnel.
 */
export async function openPostgresStore(
  url: string,
  opts: PostgresStoreOptions = {},
): Promise<Store> {
  const target: PgTarget = parsePgUrl(url, opts.schema);
  const sql = connect(target, { max: 6 });
  const ctx: PgCtx = {
    target,
    sql,
    pipes: new Connections(target, 4),
    qs: qid(target.schema),
    location: target.location,
    instance: 1 + Math.floor(Math.random() * 0x7ffffffe),
    closed: false,
    lost: false,
    generation: 0,
  };
  const session = connect(target, {
    max: 1,
    session: true,
    onclose: () => {
      if (!ctx.closed) ctx.lost = true;
    },
  });
  const locks = new SessionLocks(ctx, session);
  const fail = async (err: unknown): Promise<never> => {
    ctx.closed = true;
    await Promise.allSettled([
      sql.end({ timeout: 1 }),
      ctx.pipes.end(1),
      session.end({ timeout: 1 }),
    ]);
    if (err instanceof StoreError) throw err;
    throw connectFailure(target, err);
  };
  try {
    await locks.start();
  } catch (err) {
    return await fail(err);
  }
  try {
    await initCatalog(ctx);
  } catch (err) {
    if (err instanceof StoreError) return await fail(err);
    return await fail(
      new StoreError(
        `Cannot open the PostgreSQL store ${target.location}: ${
          (err as Error)?.message
        }`,
        { cause: err },
      ),
    );
  }
  await collectGarbage(ctx);
  return new PostgresStore(ctx, session, locks);
}

/**
 * Whether the store at `url` exists (its schema does), without creating
 * anything. Throws the same one-line errors as opening.
 */
export async function postgresStoreExists(
  url: string,
  opts: PostgresStoreOptions = {},
): Promise<boolean> {
  const target = parsePgUrl(url, opts.schema);
  const sql = connect(target, { max: 1 });
  try {
    const rows = await sql.unsafe(
      "SELECT 1 FROM pg_namespace WHERE nspname = $1",
      [target.schema],
    );
    return rows.length > 0;
  } catch (err) {
    throw connectFailure(target, err);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
