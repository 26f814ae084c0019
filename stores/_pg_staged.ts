/**
 * The staged tables of one PostgreSQL publication: created on first write
 * (empty, or copying the committed rows when the definition is the same),
 * once even when writes arrive together. Private to `stores/postgres.ts`.
 *
 * @module
 */

import { StoreError } from "../core/errors.ts";
import type { TableDef } from "./store.ts";
import { sameDef } from "./_def.ts";
import { type CatalogRow, getCatalog, type PgCtx } from "./_pg_catalog.ts";
import { type PgStaged, settle, stageTable } from "./_pg_physical.ts";

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
    copy: boolean,
  ): Promise<PgStaged> {
    const p = stageTable(this.#ctx, table, def, committed, copy);
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
    const again = this.staged.get(table); // staged meanwhile by another call
    if (again !== undefined) return await again;
    const copy = committed !== undefined && sameDef(committed.def, def);
    return await this.stage(table, def, committed, copy);
  }

  /** Every staged version, once their pending writes are done. */
  async settled(): Promise<PgStaged[]> {
    const all = await Promise.all(this.staged.values());
    for (const s of all) await settle(s);
    return all;
  }
}
