/**
 * The staged tables of one SQLite publication: created on first write
 * (empty, or a delta over the committed rows when the definition is the
 * same, see `_delta.ts`). Private to `stores/sqlite/`.
 *
 * @module
 */

import { StoreError } from "../../../core/errors.ts";
import type { TableDef } from "../../store.ts";
import { sameDef } from "../_codec.ts";
import { type CatalogRow, getCatalog, type SqliteCtx } from "../_catalog.ts";
import { type Staged, stageTable } from "../_physical.ts";
import { promote } from "./_delta.ts";

/** Staged versions and declared definitions of a publication. */
export class SqliteStagedTables {
  readonly #ctx: SqliteCtx;
  /** Staged versions by table. */
  readonly staged: Map<string, Staged> = new Map();
  /** Definitions declared by `init`. */
  readonly inits: Map<string, TableDef> = new Map();

  constructor(ctx: SqliteCtx) {
    this.#ctx = ctx;
  }

  /** Stages a new version of `table` (see `stageTable`). */
  stage(
    table: string,
    def: TableDef,
    committed: CatalogRow | undefined,
    delta: boolean,
  ): Staged {
    const s = stageTable(this.#ctx, table, def, committed, delta);
    this.staged.set(table, s);
    return s;
  }

  /** The definition writes to `table` use: declared by init, or committed. */
  def(table: string, op: string): [TableDef, CatalogRow | undefined] {
    const committed = getCatalog(this.#ctx, table);
    const def = this.inits.get(table) ?? committed?.def;
    if (def === undefined) {
      throw new StoreError(
        `Cannot ${op} table "${table}": it does not exist; declare it first with init(...)`,
      );
    }
    return [def, committed];
  }

  /** The staged version writes to `table` go to, staged now if needed (a delta when the definition is the committed one). */
  target(table: string, op: string): Staged {
    const s = this.staged.get(table);
    if (s !== undefined) return s;
    const [def, committed] = this.def(table, op);
    const delta = committed !== undefined && sameDef(committed.def, def);
    return this.stage(table, def, committed, delta);
  }

  /** Promotes the deltas of the staged `tables`, which SQL is about to read as one table each. */
  whole(tables: unknown): void {
    if (!Array.isArray(tables)) return; // refused with a message later
    for (const t of tables) {
      const s = this.staged.get(t);
      if (s !== undefined) promote(this.#ctx, s);
    }
  }
}
