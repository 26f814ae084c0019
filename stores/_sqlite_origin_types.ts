/**
 * Column types a SQL node's result keeps from the columns it selects. SQLite
 * stores Boolean, Date, DateTime, Time, Json and Decimal values as plain
 * integers or text, so inferring types from the values alone would turn a
 * selected Json column into Text and a Boolean into Integer — unlike
 * PostgreSQL, whose result types say what they are. SQLite knows the table
 * and column each plain column reference of a result comes from; such a
 * column keeps its type when every value it holds is a valid stored value
 * of that type (a compound SELECT may mix in others). Private to
 * `stores/_sqlite_materialize.ts`.
 *
 * @module
 */

import type { ColumnType } from "../core/schema.ts";
import type { TableDef } from "./store.ts";

/** Result column metadata, as `StatementSync.columns()` gives it. */
export interface ResultColumn {
  name: string;
  table: string | null;
  column: string | null;
}

// Storage classes as in `_sqlite_materialize.ts`: integer 1, text 4.
const INT = 1;
const TEXT = 4;

const D = "[0-9]";
const DATE = `${D}${D}${D}${D}-[01]${D}-[0-3]${D}`;

/** Stored form of each kept type: its storage class and a check of one value `c`. */
const STORED: Partial<
  Record<ColumnType, { cls: number; valid: (c: string) => string }>
> = {
  Boolean: { cls: INT, valid: (c) => `${c} IN (0, 1)` },
  Date: { cls: TEXT, valid: (c) => `${c} GLOB '${DATE}'` },
  DateTime: {
    cls: TEXT,
    valid: (c) =>
      `(${c} GLOB '${DATE}T[0-2]${D}:[0-5]${D}:[0-6]${D}.${D}${D}${D}Z' OR ${c} GLOB '[+-]${D}${D}${D}${D}${D}${D}-*Z')`,
  },
  Time: {
    cls: TEXT,
    valid: (c) =>
      `(${c} GLOB '[0-2]${D}:[0-5]${D}:[0-6]${D}*' AND ${c} NOT GLOB '*[^0-9:.]*')`,
  },
  Decimal: {
    cls: TEXT,
    valid: (c) =>
      `(${c} GLOB '*${D}' AND ${c} NOT GLOB '*[^0-9.-]*' AND ${c} NOT GLOB '?*-*' AND ${c} NOT GLOB '*.*.*')`,
  },
  Json: { cls: TEXT, valid: (c) => `json_valid(${c})` },
};

/**
 * For each result column, the type of the table column it selects when that
 * type has a stored form to keep; undefined for computed columns and for
 * types plain inference gets right.
 */
export function originTypes(
  columns: readonly ResultColumn[],
  defOf: (physical: string) => TableDef | undefined,
): (ColumnType | undefined)[] {
  return columns.map((c) => {
    if (c.table === null || c.column === null) return undefined;
    const schema = defOf(c.table)?.schema;
    if (schema === undefined || !Object.hasOwn(schema, c.column)) {
      return undefined;
    }
    const type = schema[c.column]!;
    return STORED[type] !== undefined ? type : undefined;
  });
}

/** An aggregate that is 0 when every non-null value of `c` is a valid stored `type`. */
export function invalidCount(type: ColumnType, c: string): string {
  const s = STORED[type]!;
  return `coalesce(sum(CASE WHEN ${c} IS NULL OR (${
    s.valid(c)
  }) THEN 0 ELSE 1 END), 0)`;
}

/** Whether a column of origin `type` holding `classes` with `invalid` bad values keeps its type. */
export function keepsOrigin(
  type: ColumnType,
  classes: number,
  invalid: number,
): boolean {
  const s = STORED[type]!;
  return (classes === 0 || classes === s.cls) && invalid === 0;
}
