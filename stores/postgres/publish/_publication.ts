/**
 * Publications of the PostgreSQL store: staged table versions in the app's
 * schema (new tables, copies, or deltas of rows appended to committed ones,
 * see `_delta.ts`), published by one commit transaction. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../../core/schema/schema.ts";
import { DataError, NotFoundError, StoreError } from "../../../core/errors.ts";
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
import {
  checkNewName,
  checkNodeCache,
  checkRows,
  normalizeDef,
  sameDef,
  stateJson,
} from "./_checks.ts";
import {
  getCatalog,
  lostError,
  type PgCtx,
  qualified,
  toTableInfo,
} from "../_catalog.ts";
import { pgFailure, qid } from "../_connect.ts";
import {
  dropPhysical,
  type PgStaged,
  settle,
  stagedCount,
  stagedInfo,
} from "../_physical.ts";
import { appendRows, truncateRows } from "./_writer.ts";
import { upsertRows } from "./_upsert.ts";
import { readTable } from "../_read.ts";
import { commitStaged } from "./_commit.ts";
import { sandboxMaterialize, sandboxQuery } from "./_materialize.ts";
import { accessFor } from "./_checks.ts";
import { StagedTables } from "./_staged.ts";
import { promote, readStaged } from "./_delta.ts";
import { snapshotSql } from "../_snapshot.ts";

/** A publication on an open PostgreSQL store. */
export class PgPublication implements Publication {
  readonly #ctx: PgCtx;
  readonly #onEnd: (p: PgPublication) => void;
  readonly #t: StagedTables;
  readonly #states = new Map<string, string>();
  readonly #caches = new Map<string, NodeCacheRecord>();
  readonly #generation: number;
  #ended: "committed" | "discarded" | undefined;

  constructor(ctx: PgCtx, onEnd: (p: PgPublication) => void) {
    this.#ctx = ctx;
    this.#onEnd = onEnd;
    this.#generation = ctx.generation;
    this.#t = new StagedTables(ctx);
  }

  #check(): PgCtx {
    if (this.#ended !== undefined) {
      throw new StoreError(`This publication was already ${this.#ended}`);
    }
    if (this.#ctx.closed) throw new StoreError("The store is closed");
    if (this.#ctx.lost || this.#ctx.generation !== this.#generation) {
      throw lostError(this.#ctx);
    }
    return this.#ctx;
  }

  async init(table: string, def: TableDef): Promise<void> {
    const ctx = this.#check();
    let committed = await checkNewName(ctx, table);
    const d = normalizeDef(table, def);
    const pending = this.#t.staged.get(table);
    if (pending !== undefined) {
      const staged = await pending;
      if (sameDef(staged.def, d)) return;
      this.#t.staged.delete(table);
      await settle(staged).catch(() => {}); // dropped anyway
      await dropPhysical(ctx, staged.physical);
      committed = await getCatalog(ctx, table);
    }
    this.#t.inits.set(table, d);
    if (committed === undefined || !sameDef(committed.def, d)) {
      await this.#t.stage(table, d, committed, "empty");
    }
  }

  async describe(table: string): Promise<TableInfo | undefined> {
    const ctx = this.#check();
    const pending = this.#t.staged.get(table);
    const committed = await getCatalog(ctx, table);
    if (pending === undefined) return committed && toTableInfo(committed);
    return await stagedInfo(ctx, await pending, committed?.version ?? 0);
  }

  async append(table: string, rows: Row[]): Promise<number> {
    const ctx = this.#check();
    checkRows("append to", table, rows);
    if (rows.length === 0 && !this.#t.staged.has(table)) {
      await this.#t.def(table, "append to");
      return 0;
    }
    const s = await this.#t.target(table, "append to");
    await appendRows(ctx, s, rows);
    return rows.length;
  }

  async upsert(table: string, rows: Row[]): Promise<number> {
    const ctx = this.#check();
    checkRows("upsert into", table, rows);
    const pending = this.#t.staged.get(table);
    const def = pending !== undefined
      ? (await pending).def
      : (await this.#t.def(table, "upsert into"))[0];
    if (def.uniqueOn.length === 0) {
      throw new DataError(
        `Cannot upsert into table "${table}": it has no unique key; declare one with init({ uniqueOn: ["<column>"] }) or use append`,
      );
    }
    if (rows.length === 0) return 0;
    const s = await this.#t.target(table, "upsert into");
    await promote(ctx, s);
    await upsertRows(ctx, s, rows);
    return rows.length;
  }

  async truncate(table: string): Promise<void> {
    this.#check();
    const pending = this.#t.staged.get(table);
    if (pending !== undefined) {
      const s = await pending;
      await truncateRows(this.#ctx, s);
      delete s.baseVersion;
      return;
    }
    const [def, committed] = await this.#t.def(table, "truncate");
    await this.#t.stage(table, def, committed, "empty");
  }

  async #visible(
    table: string,
  ): Promise<{ physical: string; def: TableDef; staged?: PgStaged }> {
    const pending = this.#t.staged.get(table);
    if (pending !== undefined) {
      const s = await pending;
      await promote(this.#ctx, s);
      return { physical: s.physical, def: s.def, staged: s };
    }
    const c = await getCatalog(this.#ctx, table);
    if (c === undefined) {
      throw new NotFoundError(`Table "${table}" does not exist`);
    }
    return c;
  }

  async read(table: string, opts?: ReadOptions): Promise<Row[]> {
    const ctx = this.#check();
    const pending = this.#t.staged.get(table);
    if (pending !== undefined) {
      return await readStaged(ctx, await pending, opts);
    }
    const v = await this.#visible(table);
    try {
      return await readTable(
        ctx.sql,
        table,
        qualified(ctx, v.physical),
        v.def,
        opts,
      );
    } catch (err) {
      throw pgFailure(`Cannot read table "${table}"`, err, ctx.location);
    }
  }

  async count(table: string): Promise<number> {
    const ctx = this.#check();
    const pending = this.#t.staged.get(table);
    if (pending !== undefined) return await stagedCount(ctx, await pending);
    return (await getCatalog(ctx, table))?.rowCount ?? 0;
  }

  async sqlName(table: string): Promise<string> {
    this.#check();
    return qid((await this.#visible(table)).physical);
  }

  async query(
    sql: string,
    params: unknown[],
    allowed: string[],
    opts?: QueryOptions,
  ): Promise<Row[]> {
    const ctx = this.#check();
    await this.#t.whole(allowed);
    const staged = await this.#t.settled();
    const shown = opts?.snapshot === undefined
      ? undefined
      : snapshotSql(opts.snapshot, ctx);
    const access = await accessFor(ctx, staged, allowed, "query", shown);
    const { signal, timeoutMs } = opts ?? {};
    return await sandboxQuery(ctx, sql, params, access, {
      signal,
      timeoutMs,
      snapshot: shown === undefined ? undefined : await shown.exported(),
    });
  }

  async materialize(
    table: string,
    sql: string,
    params: unknown[],
    allowed: string[],
    opts?: SqlLimits,
  ): Promise<number> {
    const ctx = this.#check();
    const committed = await checkNewName(ctx, table);
    await this.#t.whole(allowed);
    const staged = await this.#t.settled();
    const access = await accessFor(ctx, staged, allowed, "materialize");
    const prev = staged.find((x) => x.table === table);
    const s = await sandboxMaterialize(ctx, table, sql, params, access, {
      lastId: Math.max(prev?.lastId ?? 0, committed?.lastId ?? 0),
    }, opts);
    this.#t.staged.set(table, s);
    this.#t.inits.set(table, s.def);
    if (prev !== undefined) await dropPhysical(ctx, prev.physical);
    return s.rowCount!;
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

  async commit(
    owner: CommitOwner,
  ): Promise<CommitSummary> {
    const ctx = this.#check();
    let result: { summary: CommitSummary; drop: string[] };
    try {
      const staged = await this.#t.settled();
      result = await commitStaged(ctx, {
        staged,
        states: this.#states,
        caches: this.#caches,
      }, owner);
    } catch (err) {
      throw pgFailure("Cannot commit the publication", err, ctx.location);
    }
    this.#ended = "committed";
    this.#t.staged.clear();
    this.#onEnd(this);
    for (const p of result.drop) await dropPhysical(ctx, p);
    return result.summary;
  }

  async discard(): Promise<void> {
    if (this.#ended === undefined) this.#ended = "discarded";
    const staged = [...this.#t.staged.values()];
    this.#t.staged.clear();
    this.#t.inits.clear();
    this.#states.clear();
    this.#caches.clear();
    this.#onEnd(this);
    for (const p of staged) {
      let s: PgStaged;
      try {
        s = await p;
      } catch {
        continue; // never staged
      }
      await settle(s).catch(() => {}); // failed writes: dropped anyway
      await dropPhysical(this.#ctx, s.physical);
    }
  }

  /** The store is closing: forget staged versions, leaving them to the garbage collector. */
  abandon(): void {
    if (this.#ended === undefined) this.#ended = "discarded";
    this.#t.staged.clear();
  }
}
