/**
 * Publications of the SQLite store: staged table versions (new tables, or
 * deltas of rows appended to committed ones, see `_delta.ts`),
 * published by one commit transaction. Private to `stores/sqlite/`.
 *
 * @module
 */

import type { Row } from "../../../core/schema/schema.ts";
import {
  DataError,
  NotFoundError,
  SqlTimeoutError,
  StoreError,
} from "../../../core/errors.ts";
import type {
  CommitOwner,
  CommitSummary,
  NodeCacheRecord,
  NodeState,
  Publication,
  QueryOptions,
  ReadOptions,
  SqlLimits,
  TableDef,
  TableInfo,
} from "../../store.ts";
import { normalizeDef, quoteId, sameDef, stateJson } from "../_codec.ts";
import {
  getCatalog,
  LIVE_STAGED,
  liveCtx,
  settle,
  type SqliteCtx,
  toTableInfo,
} from "../_catalog.ts";
import {
  clearPhysical,
  dropPhysical,
  stagedCount,
  stagedInfo,
  storeFailure,
} from "../_physical.ts";
import { writeRows } from "./_writer.ts";
import { readTable } from "../_read.ts";
import { type QueryConn, runQuery } from "../_query.ts";
import { QueryProcess } from "./_query_process.ts";
import {
  accessFor,
  checkNewName,
  checkRows,
  snapshotAccess,
} from "./_checks.ts";
import { snapshotViews } from "../_snapshot.ts";
import { commitStaged } from "./_commit.ts";
import { promote, readStaged } from "./_delta.ts";
import { materializeStaged } from "./_materialize.ts";
import { SqliteStagedTables } from "./_staged.ts";
import { checkNodeCache } from "../_node_cache.ts";

/** A publication on an open SQLite store. */
export class SqlitePublication implements Publication {
  readonly #ctx: SqliteCtx;
  readonly #queryConn: () => QueryConn;
  /** Query processes of node runs, by the signal that ends each. */
  readonly #procs = new Map<AbortSignal, QueryProcess>();
  readonly #onEnd: (p: SqlitePublication) => void;
  readonly #t: SqliteStagedTables;
  readonly #states = new Map<string, string>();
  readonly #caches = new Map<string, NodeCacheRecord>();
  #ended: "committed" | "discarded" | undefined;

  constructor(
    ctx: SqliteCtx,
    queryConn: () => QueryConn,
    onEnd: (p: SqlitePublication) => void,
  ) {
    this.#ctx = ctx;
    this.#queryConn = queryConn;
    this.#onEnd = onEnd;
    this.#t = new SqliteStagedTables(ctx);
  }

  #check(): SqliteCtx {
    if (this.#ended !== undefined) {
      throw new StoreError(`This publication was already ${this.#ended}`);
    }
    return liveCtx(this.#ctx);
  }

  #settle<T>(fn: () => T): Promise<T> {
    return settle(fn, this.#ctx.path);
  }

  init(table: string, def: TableDef): Promise<void> {
    return this.#settle(() => {
      const ctx = this.#check();
      checkNewName(ctx, table);
      const d = normalizeDef(table, def);
      const staged = this.#t.staged.get(table);
      if (staged !== undefined) {
        if (sameDef(staged.def, d)) return;
        this.#t.staged.delete(table);
        dropPhysical(ctx, staged.physical);
      }
      this.#t.inits.set(table, d);
      const committed = getCatalog(ctx, table);
      if (committed === undefined || !sameDef(committed.def, d)) {
        this.#t.stage(table, d, committed, false);
      }
    });
  }

  describe(table: string): Promise<TableInfo | undefined> {
    return this.#settle(() => {
      const ctx = this.#check();
      const s = this.#t.staged.get(table);
      const committed = getCatalog(ctx, table);
      if (s === undefined) return committed && toTableInfo(committed);
      return stagedInfo(ctx, s, committed?.version ?? 0);
    });
  }

  append(table: string, rows: Row[]): Promise<number> {
    return this.#settle(() => {
      const ctx = this.#check();
      checkRows("append to", table, rows);
      if (rows.length === 0 && !this.#t.staged.has(table)) {
        this.#t.def(table, "append to");
        return 0;
      }
      writeRows(ctx, this.#t.target(table, "append to"), rows, false);
      return rows.length;
    });
  }

  upsert(table: string, rows: Row[]): Promise<number> {
    return this.#settle(() => {
      const ctx = this.#check();
      checkRows("upsert into", table, rows);
      const def = this.#t.staged.get(table)?.def ??
        this.#t.def(table, "upsert into")[0];
      if (def.uniqueOn.length === 0) {
        throw new DataError(
          `Cannot upsert into table "${table}": it has no unique key; declare one with init({ uniqueOn: ["<column>"] }) or use append`,
        );
      }
      if (rows.length === 0) return 0;
      const s = this.#t.target(table, "upsert into");
      promote(ctx, s);
      writeRows(ctx, s, rows, true);
      return rows.length;
    });
  }

  truncate(table: string): Promise<void> {
    return this.#settle(() => {
      const ctx = this.#check();
      const s = this.#t.staged.get(table);
      if (s !== undefined) return clearPhysical(ctx, s);
      const [def, committed] = this.#t.def(table, "truncate");
      this.#t.stage(table, def, committed, false);
    });
  }

  #visible(table: string): { physical: string; def: TableDef } {
    const s = this.#t.staged.get(table);
    if (s !== undefined) {
      promote(this.#ctx, s);
      return s;
    }
    const c = getCatalog(this.#ctx, table);
    if (c === undefined) {
      throw new NotFoundError(`Table "${table}" does not exist`);
    }
    return c;
  }

  read(table: string, opts?: ReadOptions): Promise<Row[]> {
    return this.#settle(() => {
      const ctx = this.#check();
      const s = this.#t.staged.get(table);
      if (s !== undefined) return readStaged(ctx, s, opts);
      const v = this.#visible(table);
      return readTable(ctx.db, table, v.physical, v.def, opts);
    });
  }

  count(table: string): Promise<number> {
    return this.#settle(() => {
      const ctx = this.#check();
      const s = this.#t.staged.get(table);
      if (s !== undefined) return stagedCount(ctx, s);
      return getCatalog(ctx, table)?.rowCount ?? 0;
    });
  }

  sqlName(table: string): Promise<string> {
    return this.#settle(() => {
      this.#check();
      return quoteId(this.#visible(table).physical);
    });
  }

  async query(
    sql: string,
    params: unknown[],
    allowed: string[],
    opts?: QueryOptions,
  ): Promise<Row[]> {
    const access = await this.#settle(() => {
      const ctx = this.#check();
      notStopped(opts, "query");
      this.#t.whole(allowed);
      const a = accessFor(ctx, this.#t.staged, allowed);
      if (opts?.snapshot === undefined) return a;
      // Committed tables it shows are read as it shows them.
      const views = snapshotViews(
        opts.snapshot,
        ctx.path,
        allowed.filter((t) => !this.#t.staged.has(t)),
      );
      return snapshotAccess(ctx, a, views);
    });
    const signal = opts?.signal;
    if (signal === undefined) {
      return await this.#settle(() =>
        runQuery(this.#queryConn(), sql, params ?? [], access)
      );
    }
    // A node's query runs in a process of its own, which its end (or its
    // deadline) kills: node:sqlite cannot interrupt a statement.
    return await this.#process(signal).query(sql, params ?? [], access, opts!);
  }

  /** The query process of the node run that `signal` ends. */
  #process(signal: AbortSignal): QueryProcess {
    let proc = this.#procs.get(signal);
    if (proc === undefined) {
      const started = new QueryProcess(this.#ctx.path);
      this.#procs.set(signal, started);
      signal.addEventListener("abort", () => {
        started.kill();
        this.#procs.delete(signal);
      }, { once: true });
      proc = started;
    }
    return proc;
  }

  #endQueries(): void {
    for (const p of this.#procs.values()) p.kill();
    this.#procs.clear();
  }

  async materialize(
    table: string,
    sql: string,
    params: unknown[],
    allowed: string[],
    opts?: SqlLimits,
  ): Promise<number> {
    const prep = await this.#settle(() => {
      const ctx = this.#check();
      notStopped(opts, "materialize");
      checkNewName(ctx, table);
      const committed = getCatalog(ctx, table);
      const prev = this.#t.staged.get(table);
      this.#t.whole(allowed);
      return {
        ctx,
        prev,
        access: accessFor(ctx, this.#t.staged, allowed),
        lastId: Math.max(prev?.lastId ?? 0, committed?.lastId ?? 0),
      };
    });
    const { ctx, prev, access, lastId } = prep;
    // A node's statement runs in its query process, which the node's end
    // or deadline kills (SQLite rolls back what it had not committed).
    const s = opts?.signal === undefined
      ? await this.#settle(() =>
        materializeStaged(
          ctx,
          this.#queryConn(),
          table,
          sql,
          params,
          access,
          lastId,
        )
      )
      : await this.#process(opts.signal).materialize(
        table,
        sql,
        params,
        access,
        lastId,
        opts,
      );
    return this.#settle(() => {
      this.#check();
      LIVE_STAGED.add(s.physical);
      this.#t.staged.set(table, s);
      this.#t.inits.set(table, s.def);
      if (prev !== undefined) dropPhysical(ctx, prev.physical);
      return s.rowCount ?? 0;
    });
  }

  setState(nodeId: string, state: NodeState): void {
    this.#check();
    this.#states.set(nodeId, stateJson(nodeId, state));
  }

  setNodeCache(rec: NodeCacheRecord): void {
    this.#check();
    const r = checkNodeCache(rec);
    this.#caches.set(r.nodeId, r);
  }

  commit(owner: CommitOwner): Promise<CommitSummary> {
    return this.#settle(() => {
      const ctx = this.#check();
      let result: { summary: CommitSummary; drop: string[] };
      try {
        result = commitStaged(ctx, {
          staged: [...this.#t.staged.values()],
          states: this.#states,
          caches: this.#caches,
        }, owner);
      } catch (err) {
        storeFailure("Cannot commit the publication", err);
      }
      this.#ended = "committed";
      this.#endQueries();
      for (const s of this.#t.staged.values()) LIVE_STAGED.delete(s.physical);
      this.#t.staged.clear();
      this.#onEnd(this);
      for (const p of result.drop) dropPhysical(ctx, p);
      return result.summary;
    });
  }

  discard(): Promise<void> {
    return this.#settle(() => {
      if (this.#ended === undefined) this.#ended = "discarded";
      this.#endQueries();
      for (const s of this.#t.staged.values()) {
        dropPhysical(this.#ctx, s.physical);
      }
      this.#t.staged.clear();
      this.#t.inits.clear();
      this.#states.clear();
      this.#caches.clear();
      this.#onEnd(this);
    });
  }

  /** The store is closing: forget staged versions, leaving them to the garbage collector. */
  abandon(): void {
    if (this.#ended === undefined) this.#ended = "discarded";
    this.#endQueries();
    for (const s of this.#t.staged.values()) LIVE_STAGED.delete(s.physical);
    this.#t.staged.clear();
  }
}

/**
 * A statement on this connection runs synchronously to its end, so the
 * limits are checked before it starts (see `SqlLimits`).
 */
function notStopped(opts: SqlLimits | undefined, verb: string): void {
  if (opts?.signal?.aborted) {
    throw new SqlTimeoutError(
      `${verb}() was not started: the node's time ran out or it was stopped`,
    );
  }
}
