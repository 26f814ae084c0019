/**
 * Unique keys of staged PostgreSQL tables that are being filled from
 * empty. Maintaining a unique index row by row costs the server more than
 * the whole COPY, so such a table gets its index only when it is needed
 * (an upsert, a copy, or a later delta's key checks, see `publish/_delta.ts`);
 * meanwhile the writer checks keys here, by 53-bit hash, and asks the
 * database only when a hash repeats. Private to `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../core/schema/schema.ts";
import { canonicalDecimal } from "../../core/schema/canonical.ts";
import { hashRow } from "../_row_hash.ts";
import { stableJson } from "./_canon.ts";
import type { TableDef } from "../store.ts";

/** Open-addressing set of 53-bit key hashes (stored + 1, so 0 means empty). */
export class KeySet {
  #slots = new Float64Array(1 << 12);
  #size = 0;

  /** Adds `h`; returns false when it was there already. */
  add(h: number): boolean {
    if ((this.#size + 1) * 2 > this.#slots.length) this.#grow();
    const slots = this.#slots;
    const mask = slots.length - 1;
    const want = h + 1;
    // The slot comes from the high bits, so growing can recompute it.
    for (let i = (h / 2097152) & mask;; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) {
        slots[i] = want;
        this.#size++;
        return true;
      }
      if (s === want) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Float64Array(old.length * 2);
    this.#size = 0;
    for (let i = 0; i < old.length; i++) {
      const s = old[i]!;
      if (s !== 0) this.add(s - 1);
    }
  }
}

/** Key values as PostgreSQL compares them (1.5 = 1.50, -0 = 0, jsonb ignores key order). */
function canonicalKeyValue(type: string, v: unknown): unknown {
  switch (type) {
    case "Float":
      return v === 0 ? 0 : v;
    case "Decimal": {
      const c = canonicalDecimal(String(v)) ?? String(v);
      return c.includes(".") ? c.replace(/\.?0+$/, "") || "0" : c;
    }
    case "DateTime":
      return v instanceof Date ? v.getTime() : v;
    case "Boolean":
      return v === true ? 1 : v === false ? 0 : v;
    case "Json":
      return stableJson(v);
  }
  return v;
}

/** Computes key hashes and exact key texts of a table's rows. */
export class KeyHasher {
  readonly #cols: string[];
  readonly #types: string[];
  readonly #vals: unknown[];

  constructor(def: TableDef) {
    this.#cols = def.uniqueOn;
    this.#types = def.uniqueOn.map((c) => def.schema[c]!);
    this.#vals = new Array(this.#cols.length);
  }

  /** The 53-bit hash of a row's key. */
  hash(row: Row): number {
    const vals = this.#vals;
    for (let i = 0; i < vals.length; i++) {
      vals[i] = canonicalKeyValue(this.#types[i]!, row[this.#cols[i]!]);
    }
    return hashRow(vals, 0, vals.length);
  }

  /** An exact text of a row's key, equal for keys PostgreSQL considers equal. */
  text(row: Row): string {
    return JSON.stringify(
      this.#cols.map((c, i) => canonicalKeyValue(this.#types[i]!, row[c])),
      (_k, v) => v instanceof Uint8Array ? Array.from(v) : v,
    );
  }
}
