/**
 * The embedded SQLite store (Deno's built-in `node:sqlite`).
 *
 * Layout of the database file:
 * - `_runnel_*` tables: the catalog (`_runnel_meta` holds the schema
 *   version, `_runnel_tables` points each logical table at its committed
 *   physical version, `_runnel_table_versions` keeps the history), runs,
 *   node runs, logs and node state;
 * - `__rt_<table>_<random>`: physical table versions, committed or staged
 *   by a publication (a committed one changes only by rows appended at its
 *   end, inside a commit: see `publish/_delta.ts`);
 * - one VIEW per logical table, named like it, selecting the user columns of
 *   the committed version, so `SELECT * FROM scored_leads` works from any
 *   SQLite tool;
 * - `_runnel_pins`: the physical versions open read snapshots show, which
 *   no process drops meanwhile (see `_pins.ts`).
 *
 * Every physical table also has a hidden row-hash column (see
 * `_hash.ts`) from which content versions are computed.
 *
 * One write connection (WAL, busy timeout) does all writing; a second,
 * read-only connection with an authorizer serves `Publication.query()`.
 * The run lock is an OS lock on `<db>.lock` beside the database.
 *
 * @module
 */

import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Row } from "../../core/schema/schema.ts";
import { NotFoundError, StoreError } from "../../core/errors.ts";
import type {
  LockOptions,
  LogPage,
  LogRecord,
  NodeCacheRecord,
  NodeRunRecord,
  NodeState,
  NodeStatusCounts,
  Publication,
  ReadOptions,
  ReadSnapshot,
  RunRecord,
  Store,
  StoreLock,
  TableInfo,
} from "../store.ts";
import {
  type CatalogRow,
  getCatalog,
  initCatalog,
  listCatalog,
  liveCtx,
  settle,
  type SqliteCtx,
  toTableInfo,
} from "./_catalog.ts";
import { collectGarbage } from "./publish/mod.ts";
import * as records from "./_records.ts";
import { readCommitted, sortedTerms } from "./_read.ts";
import { ensureOrderIndex, type IndexBuild } from "./_order.ts";
import { openQueryConn, type QueryConn } from "./_query.ts";
import { QueryProcess, SqlitePublication } from "./publish/mod.ts";
import { registerHashFunction } from "./_hash.ts";
import { migrateCatalog } from "./_migrate.ts";
import { getNodeCache } from "./_node_cache.ts";
import { openSnapshot } from "./_snapshot.ts";
import { ensurePins } from "./_pins.ts";
import {
  createStoreFile,
  explainSqliteError,
  fileIdentity,
  refuseEmptyFile,
} from "./_file.ts";
import { acquireRunLock, type HeldLock } from "./_lock.ts";

function openCtx(path: string): SqliteCtx {
  try {
    mkdirSync(dirname(path), { recursive: true });
    refuseEmptyFile(path);
    createStoreFile(path, (tmp) => {
      const ctx = connect(tmp);
      try {
        initCatalog(ctx, migrateCatalog);
      } finally {
        ctx.db.close();
      }
    });
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      `Cannot create the SQLite store at ${path}: ${(err as Error).message}`,
      { cause: explainSqliteError(path, err) },
    );
  }
  let ctx: SqliteCtx;
  try {
    ctx = connect(path);
  } catch (err) {
    const explained = explainSqliteError(path, err);
    if (explained instanceof StoreError) throw explained;
    throw new StoreError(
      `Cannot open the SQLite store at ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    registerHashFunction(ctx.db);
    initCatalog(ctx, migrateCatalog);
    ensurePins(ctx);
  } catch (err) {
    ctx.db.close();
    if (err instanceof StoreError) throw err;
    const explained = explainSqliteError(path, err);
    if (explained instanceof StoreError) throw explained;
    throw new StoreError(
      `Cannot open the SQLite store at ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  collectGarbage(ctx);
  return ctx;
}

/** Opens a connection to an existing file (SQLite would create a missing one). */
function connect(path: string): SqliteCtx {
  const identity = fileIdentity(path);
  const db = new DatabaseSync(path);
  return {
    db,
    path,
    identity: identity ?? fileIdentity(path) ?? "",
    closed: false,
    prepared: new Map(),
    writers: new Map(),
  };
}

class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly location: string;
  readonly localFiles: readonly string[];
  readonly #ctx: SqliteCtx;
  readonly #publications = new Set<SqlitePublication>();
  readonly #locks = new Set<HeldLock>();
  #query: QueryConn | undefined;
  /** Builds order indexes off this thread; started by the first build. */
  #indexer: QueryProcess | undefined;

  constructor(ctx: SqliteCtx) {
    this.#ctx = ctx;
    this.location = ctx.path;
    this.localFiles = ["", "-wal", "-shm", "-journal", ".lock", ".lock-owner"]
      .map((suffix) => ctx.path + suffix);
  }

  #open(): SqliteCtx {
    return liveCtx(this.#ctx);
  }

  #settle<T>(fn: () => T): Promise<T> {
    return settle(fn, this.location);
  }

  #queryConn = (): QueryConn => {
    this.#query ??= openQueryConn(this.location);
    return this.#query;
  };

  openSnapshot(tables: string[]): Promise<ReadSnapshot> {
    return this.#settle(() => openSnapshot(this.#open(), tables));
  }

  listTables(): Promise<TableInfo[]> {
    return this.#settle(() => listCatalog(this.#open()).map(toTableInfo));
  }

  describeTable(name: string): Promise<TableInfo | undefined> {
    return this.#settle(() => {
      const c = getCatalog(this.#open(), name);
      return c && toTableInfo(c);
    });
  }

  #committed(name: string): CatalogRow {
    const ctx = this.#open();
    const c = getCatalog(ctx, name);
    if (c === undefined) {
      const names = listCatalog(ctx).map((t) => t.name);
      throw new NotFoundError(
        `Table "${name}" does not exist (tables: ${
          names.length > 0 ? names.join(", ") : "none yet"
        })`,
      );
    }
    return c;
  }

  #buildIndex = (build: IndexBuild): Promise<boolean> => {
    if (this.#indexer === undefined || this.#indexer.ended) {
      this.#indexer = new QueryProcess(this.location);
    }
    return this.#indexer.buildIndex(build);
  };

  async readRows(name: string, opts?: ReadOptions): Promise<Row[]> {
    const c = await this.#settle(() => this.#committed(name));
    const terms = sortedTerms(c, opts);
    if (terms !== undefined) {
      // Built by the query process while this thread serves others. A
      // failure is remembered there; this read then sorts in full, or
      // reports what is wrong with the store.
      await ensureOrderIndex(this.#ctx, c, terms, this.#buildIndex)
        .catch(() => false);
    }
    return await this.#settle(() =>
      readCommitted(this.#ctx, name, this.#committed(name), opts)
    );
  }

  beginPublication(): Promise<Publication> {
    return this.#settle(() => {
      const pub = new SqlitePublication(
        this.#open(),
        this.#queryConn,
        (p) => this.#publications.delete(p),
      );
      this.#publications.add(pub);
      return pub;
    });
  }

  createRun(run: RunRecord): Promise<void> {
    return this.#settle(() => records.createRun(this.#open(), run));
  }

  updateRun(
    id: string,
    patch: Partial<Pick<RunRecord, "status" | "finishedAt">>,
  ): Promise<void> {
    return this.#settle(() => records.updateRun(this.#open(), id, patch));
  }

  listRuns(limit: number): Promise<RunRecord[]> {
    return this.#settle(() => records.listRuns(this.#open(), limit));
  }

  getRun(idOrPrefix: string): Promise<RunRecord | undefined> {
    return this.#settle(() => records.getRun(this.#open(), idOrPrefix));
  }

  saveNodeRun(rec: NodeRunRecord): Promise<void> {
    return this.#settle(() => records.saveNodeRun(this.#open(), rec));
  }

  saveNodeRuns(recs: NodeRunRecord[]): Promise<void> {
    return this.#settle(() => records.saveNodeRuns(this.#open(), recs));
  }

  listNodeRuns(runId: string): Promise<NodeRunRecord[]> {
    return this.#settle(() => records.listNodeRuns(this.#open(), runId));
  }

  countNodeRuns(runIds: string[]): Promise<Map<string, NodeStatusCounts>> {
    return this.#settle(() => records.countNodeRuns(this.#open(), runIds));
  }

  appendLogs(logs: LogRecord[]): Promise<void> {
    return this.#settle(() => records.appendLogs(this.#open(), logs));
  }

  listLogs(
    runId: string,
    nodeId?: string,
    page?: LogPage,
  ): Promise<LogRecord[]> {
    return this.#settle(() =>
      records.listLogs(this.#open(), runId, nodeId, page)
    );
  }

  getState(nodeId: string): Promise<NodeState> {
    return this.#settle(() => records.getState(this.#open(), nodeId));
  }

  getNodeCache(nodeIds?: string[]): Promise<Map<string, NodeCacheRecord>> {
    return this.#settle(() => getNodeCache(this.#open(), nodeIds));
  }

  async lock(opts: LockOptions): Promise<StoreLock> {
    this.#open();
    const held = await acquireRunLock(
      this.#ctx.path,
      this.location,
      opts,
      () => this.#ctx.closed,
    );
    if (this.#ctx.closed) {
      held.releaseSync();
      throw new StoreError(`The store ${this.location} is closed`);
    }
    this.#locks.add(held);
    return {
      release: () => {
        this.#locks.delete(held);
        return held.release();
      },
    };
  }

  close(): Promise<void> {
    return this.#settle(() => {
      if (this.#ctx.closed) return;
      for (const l of this.#locks) l.releaseSync();
      this.#locks.clear();
      for (const p of this.#publications) p.abandon();
      this.#publications.clear();
      this.#ctx.closed = true;
      this.#ctx.prepared.clear();
      this.#ctx.writers.clear();
      this.#query?.db.close();
      this.#query = undefined;
      this.#indexer?.kill();
      this.#indexer = undefined;
      this.#ctx.db.close();
    });
  }
}

/**
 * Opens (creating if needed, with parent directories) the SQLite store at
 * `path`. Drops physical tables left behind by killed processes. Throws
 * StoreError when the file cannot be opened or was written by a newer
 * Runnel.
 */
export function openSqliteStore(path: string): Promise<Store> {
  const abs = resolve(path);
  return settle(() => new SqliteStore(openCtx(abs)), abs);
}

/** The query process of a node run's `readSql` (a compiled runnel starts it as itself). */
export { serveQueryProcess } from "./publish/mod.ts";
