/**
 * The Store object of the PostgreSQL store: records and reads straight
 * through the pool, writes through publications. Private to
 * `stores/postgres/mod.ts`, which opens it.
 *
 * @module
 */

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
import { pgFailure, type Sql } from "./_connect.ts";
import {
  getCatalog,
  listCatalog,
  type PgCtx,
  toTableInfo,
} from "./_catalog.ts";
import { openSnapshot } from "./_snapshot.ts";
import { PgPublication } from "./publish/mod.ts";
import { readCommitted } from "./_read.ts";
import * as records from "./_records.ts";
import { getNodeCache, getState } from "./_records.ts";
import { SessionLocks } from "./_lock.ts";

/** An open PostgreSQL store. */
export class PostgresStore implements Store {
  readonly kind = "postgres";
  readonly location: string;
  readonly localFiles: readonly string[] = [];
  readonly #ctx: PgCtx;
  readonly #session: Sql;
  readonly #locks: SessionLocks;
  readonly #publications = new Set<PgPublication>();

  constructor(
    ctx: PgCtx,
    session: Sql,
    locks: SessionLocks,
  ) {
    this.#ctx = ctx;
    this.#session = session;
    this.#locks = locks;
    this.location = ctx.location;
  }

  #open(): PgCtx {
    if (this.#ctx.closed) {
      throw new StoreError(`The store ${this.location} is closed`);
    }
    return this.#ctx;
  }

  /** Runs `fn`, turning driver failures into one-line store errors. */
  async #do<T>(what: string, fn: (ctx: PgCtx) => Promise<T>): Promise<T> {
    const ctx = this.#open();
    try {
      return await fn(ctx);
    } catch (err) {
      throw pgFailure(what, err, this.location);
    }
  }

  openSnapshot(tables: string[]): Promise<ReadSnapshot> {
    return openSnapshot(this.#open(), tables);
  }

  listTables(): Promise<TableInfo[]> {
    return this.#do(
      "Cannot list tables",
      async (ctx) => (await listCatalog(ctx)).map(toTableInfo),
    );
  }

  describeTable(name: string): Promise<TableInfo | undefined> {
    return this.#do(`Cannot describe table "${name}"`, async (ctx) => {
      const c = await getCatalog(ctx, name);
      return c && toTableInfo(c);
    });
  }

  readRows(name: string, opts?: ReadOptions): Promise<Row[]> {
    return this.#do(`Cannot read table "${name}"`, async (ctx) => {
      // A commit may drop the version just looked up: look again once.
      for (let attempt = 0;; attempt++) {
        const c = await getCatalog(ctx, name);
        if (c === undefined) {
          const names = (await listCatalog(ctx)).map((t) => t.name);
          throw new NotFoundError(
            `Table "${name}" does not exist (tables: ${
              names.length > 0 ? names.join(", ") : "none yet"
            })`,
          );
        }
        try {
          return await readCommitted(ctx, name, c, opts);
        } catch (err) {
          if (attempt > 0 || (err as { code?: string })?.code !== "42P01") {
            throw err;
          }
        }
      }
    });
  }

  beginPublication(): Promise<Publication> {
    return this.#do("Cannot begin a publication", async () => {
      // A connection lost earlier (server restart) is made anew here, so
      // webhooks work again as soon as the server is back.
      await this.#locks.revive();
      const pub = new PgPublication(
        this.#ctx,
        (p) => this.#publications.delete(p),
      );
      this.#publications.add(pub);
      return pub;
    });
  }

  createRun(run: RunRecord): Promise<void> {
    return this.#do("Cannot record the run", (c) => records.createRun(c, run));
  }

  updateRun(
    id: string,
    patch: Partial<Pick<RunRecord, "status" | "finishedAt">>,
  ): Promise<void> {
    return this.#do(
      `Cannot update run "${id}"`,
      (c) => records.updateRun(c, id, patch),
    );
  }

  listRuns(limit: number): Promise<RunRecord[]> {
    return this.#do("Cannot list runs", (c) => records.listRuns(c, limit));
  }

  getRun(idOrPrefix: string): Promise<RunRecord | undefined> {
    return this.#do("Cannot read runs", (c) => records.getRun(c, idOrPrefix));
  }

  saveNodeRun(rec: NodeRunRecord): Promise<void> {
    return this.#do(
      "Cannot record a node run",
      (c) => records.saveNodeRuns(c, [rec]),
    );
  }

  saveNodeRuns(recs: NodeRunRecord[]): Promise<void> {
    return this.#do(
      "Cannot record node runs",
      (c) => records.saveNodeRuns(c, recs),
    );
  }

  listNodeRuns(runId: string): Promise<NodeRunRecord[]> {
    return this.#do(
      "Cannot read node runs",
      (c) => records.listNodeRuns(c, runId),
    );
  }

  countNodeRuns(runIds: string[]): Promise<Map<string, NodeStatusCounts>> {
    return this.#do(
      "Cannot count node runs",
      (c) => records.countNodeRuns(c, runIds),
    );
  }

  appendLogs(logs: LogRecord[]): Promise<void> {
    return this.#do("Cannot save logs", (c) => records.appendLogs(c, logs));
  }

  listLogs(
    runId: string,
    nodeId?: string,
    page?: LogPage,
  ): Promise<LogRecord[]> {
    return this.#do(
      "Cannot read logs",
      (c) => records.listLogs(c, runId, nodeId, page),
    );
  }

  getState(nodeId: string): Promise<NodeState> {
    return this.#do(
      `Cannot read the state of node "${nodeId}"`,
      (c) => getState(c, nodeId),
    );
  }

  getNodeCache(nodeIds?: string[]): Promise<Map<string, NodeCacheRecord>> {
    return this.#do(
      "Cannot read node cache records",
      (c) => getNodeCache(c, nodeIds),
    );
  }

  lock(opts: LockOptions): Promise<StoreLock> {
    this.#open();
    return this.#locks.lock(opts);
  }

  async close(): Promise<void> {
    if (this.#ctx.closed) return;
    this.#ctx.closed = true;
    for (const p of this.#publications) p.abandon();
    this.#publications.clear();
    await Promise.allSettled([
      this.#ctx.sql.end({ timeout: 5 }),
      this.#session.end({ timeout: 5 }),
      this.#ctx.snapshots?.end(5),
      this.#ctx.pipes.end(5),
    ]);
  }
}
