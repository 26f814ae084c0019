/**
 * The staged tables of one PostgreSQL publication: created on first write
 * (empty, or starting from the committed rows when the definition is the
 * same: as a delta of appended rows, see `_delta.ts`, or as a copy when
 * the committed table cannot get the unique index a delta's key checks
 * need), once even when writes arrive together. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import { StoreError } from "../../../core/errors.ts";
import type { TableDef } from "../../store.ts";
import { sameDef } from "../../_def.ts";
import { type CatalogRow, getCatalog, type PgCtx } from "../_catalog.ts";
import { pgFailure } from "../_connect.ts";
import { columnKinds } from "../_types.ts";
import { ZERO } from "../_hash.ts";
import { KeyHasher, KeySet } from "../_keys.ts";
import { createPhysicalIn, type PgStaged, settle } from "../_physical.ts";
import { indexCommitted, promote } from "./_delta.ts";
import { pipelined } from "../_pipeline.ts";

/** Types whose values PostgreSQL compares as their binary encodings. */
const BYTE_COMPARABLE = new Set([
  "Text",
  "LongText",
  "Integer",
  "Binary",
  "Date",
  "DateTime",
  "Time",
  "Boolean",
]);

/** The key column the encoder can hash from its bytes, or -1. */
export function byteKeyColumn(def: TableDef): number {
  if (def.uniqueOn.length !== 1) return -1;
  const col = def.uniqueOn[0]!;
  return BYTE_COMPARABLE.has(def.schema[col]!)
    ? Object.keys(def.schema).indexOf(col)
    : -1;
}

/**
 * How a staged version starts: empty, as a copy of the committed rows, or
 * as a delta over them (an empty table for the rows appended next, see
 * {@link PgStaged.base}).
 */
export type StageMode = "empty" | "copy" | "delta";

/** Stages a new version of `table`, starting as `mode` says. */
export async function stageTable(
  ctx: PgCtx,
  table: string,
  def: TableDef,
  committed: CatalogRow | undefined,
  mode: StageMode,
): Promise<PgStaged> {
  const from = mode === "empty" ? undefined : committed;
  const copy = mode === "copy" && from !== undefined;
  let physical: string;
  try {
    physical = await pipelined(
      ctx.pipes,
      (tx) => createPhysicalIn(ctx, tx.sql, table, def, copy ? [from] : []),
    );
  } catch (err) {
    throw pgFailure(`Cannot stage table "${table}"`, err, ctx.location);
  }
  const keyed = copy && def.uniqueOn.length > 0;
  const s: PgStaged = {
    table,
    def,
    physical,
    names: Object.keys(def.schema),
    kinds: columnKinds(def),
    lastId: committed?.lastId ?? 0,
    nextPos: from ? from.nextPos : 0,
    rowCount: from ? from.rowCount : 0,
    sums: from ? from.sums : ZERO,
    keyed,
    keys: !keyed && def.uniqueOn.length > 0 ? new KeySet() : undefined,
    hasher: def.uniqueOn.length > 0 ? new KeyHasher(def) : undefined,
    queue: Promise.resolve(),
    inflight: new Set(),
    keysDirty: false,
    rowBytes: 64,
    keyCol: byteKeyColumn(def),
    expect: committed ?? null,
  };
  if (from) s.baseVersion = from.version;
  if (from && !copy) {
    s.base = {
      physical: from.physical,
      rowCount: from.rowCount,
      nextPos: from.nextPos,
    };
  }
  return s;
}

/** Staged versions and declared definitions of a publication. */
export class StagedTables {
  readonly #ctx: PgCtx;
  /** Staged versions by table; a promise while being created. */
  readonly staged: Map<string, PgStaged | Promise<PgStaged>> = new Map();
  /** Definitions declared by `init`. */
  readonly inits: Map<string, TableDef> = new Map();

  constructor(ctx: PgCtx) {
    this.#ctx = ctx;
  }

  /** Stages a new version of `table` (see `stageTable`). */
  stage(
    table: string,
    def: TableDef,
    committed: CatalogRow | undefined,
    mode: StageMode,
  ): Promise<PgStaged> {
    const p = stageTable(this.#ctx, table, def, committed, mode);
    this.staged.set(table, p);
    p.then((s) => {
      if (this.staged.get(table) === p) this.staged.set(table, s);
    }, () => {
      if (this.staged.get(table) === p) this.staged.delete(table);
    });
    return p;
  }

  /** The definition writes to `table` use: declared by init, or committed. */
  async def(
    table: string,
    op: string,
  ): Promise<[TableDef, CatalogRow | undefined]> {
    const committed = await getCatalog(this.#ctx, table);
    const def = this.inits.get(table) ?? committed?.def;
    if (def === undefined) {
      throw new StoreError(
        `Cannot ${op} table "${table}": it does not exist; declare it first with init(...)`,
      );
    }
    return [def, committed];
  }

  /** The staged version writes to `table` go to, staged now if needed. */
  async target(table: string, op: string): Promise<PgStaged> {
    const s = this.staged.get(table);
    if (s !== undefined) return await s;
    const [def, committed] = await this.def(table, op);
    let mode: StageMode = "empty";
    if (committed !== undefined && sameDef(committed.def, def)) {
      const keyed = def.uniqueOn.length === 0 || committed.keyed ||
        await indexCommitted(this.#ctx, committed);
      mode = keyed ? "delta" : "copy";
    }
    const again = this.staged.get(table); // staged meanwhile by another call
    if (again !== undefined) return await again;
    return await this.stage(table, def, committed, mode);
  }

  /** Promotes the deltas of the staged `tables`, which SQL is about to read as one table each. */
  async whole(tables: unknown): Promise<void> {
    if (!Array.isArray(tables)) return; // refused with a message later
    for (const t of new Set(tables)) {
      const p = this.staged.get(t);
      if (p !== undefined) await promote(this.#ctx, await p);
    }
  }

  /** Every staged version, once their pending writes are done. */
  async settled(): Promise<PgStaged[]> {
    const all = await Promise.all(this.staged.values());
    for (const s of all) await settle(s);
    return all;
  }
}
