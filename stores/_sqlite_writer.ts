/**
 * Physical table versions and the fast row writer of the SQLite store.
 * Rows go in through cached multi-row INSERT statements, one transaction
 * per batch. Private to `stores/sqlite.ts`.
 *
 * @module
 */

import type { StatementSync } from "node:sqlite";
import type { Row } from "../core/schema.ts";
import { DataError, StoreError } from "../core/errors.ts";
import type { TableDef } from "./store.ts";
import {
  K_BOOL,
  K_CREATED,
  K_DATETIME,
  K_JSON,
  K_MONO,
  K_PLAIN,
  quoteId,
  sqlType,
} from "./_sqlite_codec.ts";
import {
  LIVE_STAGED,
  PHYSICAL_PREFIX,
  prep,
  registerStaging,
  type SqliteCtx,
  tx,
} from "./_sqlite_catalog.ts";
import { diagnoseWriteError } from "./_sqlite_diagnose.ts";

/** A staged (uncommitted) version of one table inside a publication. */
export interface Staged {
  table: string;
  def: TableDef;
  physical: string;
  names: string[];
  kinds: Uint8Array;
  /** Highest monotonic id handed out so far. */
  lastId: number;
  /** Row count, or undefined when it must be counted (after an upsert). */
  rowCount: number | undefined;
  /** Committed version the rows were copied from; undefined when it started empty. */
  baseVersion?: number;
}

function randomSuffix(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Creates a new physical table for `def`, optionally filled with the rows of
 * `copyFrom` (in insertion order), and registers it as staged.
 */
export function createPhysical(
  ctx: SqliteCtx,
  table: string,
  def: TableDef,
  copyFrom?: string,
): string {
  const physical = `${PHYSICAL_PREFIX}${table}_${randomSuffix()}`;
  const q = quoteId(physical);
  const unique = new Set(def.uniqueOn);
  const cols = Object.entries(def.schema).map(([c, t]) =>
    `${quoteId(c)} ${sqlType(t)}${unique.has(c) ? " NOT NULL" : ""}`
  );
  const names = Object.keys(def.schema).map(quoteId).join(", ");
  tx(ctx, () => {
    ctx.db.exec(`CREATE TABLE ${q} (${cols.join(", ")})`);
    registerStaging(ctx, physical, table);
    if (copyFrom !== undefined) {
      ctx.db.exec(
        `INSERT INTO ${q} (${names}) SELECT ${names} FROM ${
          quoteId(copyFrom)
        } ORDER BY rowid`,
      );
    }
    // Built after the copy: one sorted build beats maintaining it row by row.
    if (def.uniqueOn.length > 0) {
      ctx.db.exec(
        `CREATE UNIQUE INDEX ${quoteId(physical + "_key")} ON ${q} (${
          def.uniqueOn.map(quoteId).join(", ")
        })`,
      );
    }
  });
  LIVE_STAGED.add(physical);
  return physical;
}

/** Drops a physical table and forgets its statements. Best effort. */
export function dropPhysical(ctx: SqliteCtx, physical: string): void {
  ctx.writers.delete(physical);
  LIVE_STAGED.delete(physical);
  if (ctx.closed) return;
  try {
    tx(ctx, () => {
      ctx.db.exec(`DROP TABLE IF EXISTS ${quoteId(physical)}`);
      prep(ctx, "DELETE FROM _runnel_staging WHERE physical = ?").run(physical);
    });
  } catch {
    // left for the garbage collector of the next open
  }
}

/** Removes every row of a staged version. */
export function clearPhysical(ctx: SqliteCtx, s: Staged): void {
  tx(ctx, () => ctx.db.exec(`DELETE FROM ${quoteId(s.physical)}`));
  s.rowCount = 0;
}

/** SQLite's default limit on bound parameters is 32766. */
const MAX_PARAMS = 32000;
const MAX_ROWS_PER_STATEMENT = 128;

function statementFor(
  ctx: SqliteCtx,
  s: Staged,
  upsert: boolean,
  n: number,
): { stmt: StatementSync; params: unknown[] } {
  let byShape = ctx.writers.get(s.physical);
  if (byShape === undefined) {
    byShape = new Map();
    ctx.writers.set(s.physical, byShape);
  }
  const key = `${upsert ? "u" : "a"}${n}`;
  let entry = byShape.get(key);
  if (entry === undefined) {
    const cols = s.names.map(quoteId);
    const tuple = `(${cols.map(() => "?").join(", ")})`;
    let sql = `INSERT INTO ${quoteId(s.physical)} (${cols.join(", ")}) VALUES ${
      new Array(n).fill(tuple).join(", ")
    }`;
    if (upsert) {
      const keep = new Set([
        ...s.def.uniqueOn,
        s.def.addCreated,
        s.def.addMonotonicId,
      ]);
      const set = s.names.filter((c) => !keep.has(c)).map((c) =>
        `${quoteId(c)} = excluded.${quoteId(c)}`
      );
      sql += ` ON CONFLICT (${s.def.uniqueOn.map(quoteId).join(", ")}) ${
        set.length > 0 ? `DO UPDATE SET ${set.join(", ")}` : "DO NOTHING"
      }`;
    }
    entry = { stmt: ctx.db.prepare(sql), params: new Array(n * cols.length) };
    byShape.set(key, entry);
  }
  return entry;
}

/** Encodes rows[start, start+n) into `params`, filling generated columns. */
function fill(
  params: unknown[],
  rows: readonly Row[],
  start: number,
  n: number,
  s: Staged,
  now: string,
): void {
  const names = s.names;
  const kinds = s.kinds;
  const nc = names.length;
  const end = start + n;
  let p = 0;
  for (let r = start; r < end; r++) {
    const row = rows[r]!;
    for (let c = 0; c < nc; c++) {
      let v = row[names[c]!];
      const k = kinds[c]!;
      if (k === K_PLAIN) {
        if (v === undefined) v = null;
      } else if (v === null || v === undefined) {
        v = k === K_CREATED ? now : k === K_MONO ? ++s.lastId : null;
      } else if (k === K_DATETIME || k === K_CREATED) {
        if (v instanceof Date) v = v.toISOString();
      } else if (k === K_BOOL) {
        v = v === true ? 1 : v === false ? 0 : v;
      } else if (k === K_JSON) {
        v = JSON.stringify(v);
      } else if (k === K_MONO) {
        if (typeof v === "number" && v > s.lastId) s.lastId = v;
      }
      params[p++] = v;
    }
  }
}

/**
 * Writes `rows` into a staged version in one transaction, appending or
 * upserting. On any failure nothing of the batch is written and the error
 * says which row and column caused it.
 */
export function writeRows(
  ctx: SqliteCtx,
  s: Staged,
  rows: readonly Row[],
  upsert: boolean,
): void {
  if (rows.length === 0) return;
  const nc = s.names.length;
  let perStmt = MAX_ROWS_PER_STATEMENT;
  while (perStmt > 1 && perStmt * nc > MAX_PARAMS) perStmt >>= 1;
  const now = new Date().toISOString();
  const lastIdBefore = s.lastId;
  let chunkStart = 0;
  try {
    tx(ctx, () => {
      const total = rows.length;
      while (chunkStart < total) {
        let n = perStmt;
        while (n > total - chunkStart) n >>= 1;
        const { stmt, params } = statementFor(ctx, s, upsert, n);
        fill(params, rows, chunkStart, n, s, now);
        stmt.run(...(params as (string | number | null)[]));
        chunkStart += n;
      }
    });
  } catch (err) {
    s.lastId = lastIdBefore;
    throw diagnoseWriteError(ctx, s, rows, upsert, chunkStart, err);
  }
  if (upsert) s.rowCount = undefined;
  else if (s.rowCount !== undefined) s.rowCount += rows.length;
}

/** Counts the rows of a staged version when the count is not known. */
export function stagedCount(ctx: SqliteCtx, s: Staged): number {
  if (s.rowCount === undefined) {
    const r = ctx.db.prepare(`SELECT count(*) AS n FROM ${quoteId(s.physical)}`)
      .get() as { n: number };
    s.rowCount = r.n;
  }
  return s.rowCount;
}

/** Wraps an unexpected SQLite failure. */
export function storeFailure(what: string, err: unknown): never {
  if (err instanceof DataError || err instanceof StoreError) throw err;
  throw new StoreError(`${what}: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}
