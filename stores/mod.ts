/**
 * The public face of Runnel's stores: the Store types and
 * {@link openStore}, which picks an implementation from a `--store` URL.
 *
 * @module
 */

import { isAbsolute, join, resolve } from "node:path";
import { StoreError } from "../core/errors.ts";
import type { Store } from "./store.ts";
import { openSqliteStore } from "./sqlite/mod.ts";
import {
  isPostgresUrl,
  openPostgresStore,
  postgresStoreExists,
  redactUrl,
  schemaForSlug,
} from "./postgres/mod.ts";

export type {
  CommitSummary,
  LockOptions,
  LogLevel,
  LogRecord,
  NodeCacheRecord,
  NodeRunRecord,
  NodeState,
  NodeStatus,
  Publication,
  ReadOptions,
  RunRecord,
  RunStatus,
  Store,
  StoreLock,
  TableDef,
  TableInfo,
} from "./store.ts";

const ACCEPTED =
  "omit it for the default <app>/.runnel/runnel.db, or use sqlite:<path>, sqlite://<path>, a path ending in .db, .sqlite or .sqlite3, or postgres://user@host:port/database";

export { isPostgresUrl, redactUrl };

/** Options of {@link openStore} and {@link storeExists}. */
export interface OpenStoreOptions {
  /**
   * The app's slug: a PostgreSQL store keeps the app in schema
   * `runnel_<slug>` unless its URL says `?schema=`.
   */
  slug?: string;
}

function pgOptions(opts: OpenStoreOptions | undefined): { schema?: string } {
  return opts?.slug === undefined ? {} : { schema: schemaForSlug(opts.slug) };
}

/**
 * Resolves a `--store` value to the SQLite file it names, relative to
 * `appDir`. Returns undefined for anything that is not a SQLite location.
 */
export function sqlitePathOf(
  url: string | undefined,
  appDir: string,
): string | undefined {
  if (url === undefined || url.trim() === "") {
    return join(resolve(appDir), ".runnel", "runnel.db");
  }
  let path: string | undefined;
  if (url.startsWith("sqlite://")) path = url.slice("sqlite://".length);
  else if (url.startsWith("sqlite:")) path = url.slice("sqlite:".length);
  else if (
    /\.(db|sqlite|sqlite3)$/i.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)
  ) {
    path = url;
  }
  if (path === undefined || path === "") return undefined;
  return isAbsolute(path) ? path : resolve(appDir, path);
}

/**
 * Opens the store named by `url` (the `--store` option) for the app in
 * `appDir`:
 * - undefined → `<appDir>/.runnel/runnel.db`;
 * - `sqlite:<path>`, `sqlite://<path>` or a path ending in `.db`/`.sqlite`
 *   → that SQLite file (relative paths are relative to `appDir`);
 * - `postgres://…` or `postgresql://…` → that PostgreSQL database, in
 *   schema `runnel_<slug>` (`opts.slug`) or the URL's `?schema=`.
 */
export function openStore(
  url: string | undefined,
  appDir: string,
  opts?: OpenStoreOptions,
): Promise<Store> {
  if (isPostgresUrl(url)) {
    return openPostgresStore(url!.trim(), pgOptions(opts));
  }
  const path = sqlitePathOf(url, appDir);
  if (path === undefined) {
    return Promise.reject(
      new StoreError(
        `Unknown store ${JSON.stringify(redactUrl(url ?? ""))}: ${ACCEPTED}`,
      ),
    );
  }
  return openSqliteStore(path);
}

/**
 * Whether the store named by `url` already holds data, without creating
 * anything. Read-only commands use it so that `runnel tables` on an app that
 * never ran says so instead of creating an empty store. A PostgreSQL store
 * exists when its schema does.
 */
export async function storeExists(
  url: string | undefined,
  appDir: string,
  opts?: OpenStoreOptions,
): Promise<boolean> {
  if (isPostgresUrl(url)) {
    return await postgresStoreExists(url!.trim(), pgOptions(opts));
  }
  const path = sqlitePathOf(url, appDir);
  if (path === undefined) return true; // other stores: let openStore decide
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
