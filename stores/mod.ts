/**
 * The public face of Runnel's stores: the Store types and
 * {@link openStore}, which picks an implementation from a `--store` URL.
 *
 * @module
 */

import { isAbsolute, join, resolve } from "node:path";
import { StoreError } from "../core/errors.ts";
import type { Store } from "./store.ts";
import { openSqliteStore } from "./sqlite.ts";

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
  "omit it for the default <app>/.runnel/runnel.db, or use sqlite:<path>, sqlite://<path>, or a path ending in .db, .sqlite or .sqlite3";

/** Hides the password of a `scheme://user:password@host` URL. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, "$1:***@");
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
 * - `postgres://…` → not available yet (StoreError).
 */
export function openStore(
  url: string | undefined,
  appDir: string,
): Promise<Store> {
  if (url !== undefined && /^postgres(ql)?:\/\//i.test(url.trim())) {
    return Promise.reject(
      new StoreError(
        "The PostgreSQL store is not available in this version yet; use the default embedded SQLite store (omit --store)",
      ),
    );
  }
  const path = sqlitePathOf(url, appDir);
  if (path === undefined) {
    return Promise.reject(
      new StoreError(
        `Unknown store ${JSON.stringify(redact(url ?? ""))}: ${ACCEPTED}`,
      ),
    );
  }
  return openSqliteStore(path);
}

/**
 * Whether the store named by `url` already holds data, without creating
 * anything. Read-only commands use it so that `runnel tables` on an app that
 * never ran says so instead of creating an empty store.
 */
export async function storeExists(
  url: string | undefined,
  appDir: string,
): Promise<boolean> {
  const path = sqlitePathOf(url, appDir);
  if (path === undefined) return true; // other stores: let openStore decide
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
