/**
 * Column types a SQL node's result keeps from the columns it selects. SQLite
 * stores Boolean, Date, DateTime, Time, Json and Decimal values as plain
 * integers or text, so inferring types from the values alone would turn a
 * selected Json column into Text and a Boolean into Integer — unlike
 * PostgreSQL, whose result types say what they are. SQLite knows the table
 * and column each plain column reference of a result comes from; such a
 * column keeps its type when every value it holds is a valid stored value
 * of that type (a compound SELECT may mix in others). Private to
 * `stores/sqlite/publish/_materialize.ts`.
 *
 * @module
 */

import type { ColumnType } from "../../core/schema/schema.ts";
import type { TableDef } from "../store.ts";
import { exactNumber } from "../_exact_number.ts";

/** Result column metadata, as `StatementSync.columns()` gives it. */
export interface ResultColumn {
  name: string;
  table: string | null;
  column: string | null;
}

// Storage classes as in `publish/_materialize.ts`: integer 1, text 4.
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

const ISO_DATETIME =
  /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?$/;

/**
 * How `query()` turns a stored value of a selected column of `type` into
 * what PostgreSQL's driver gives for the same column: booleans, Dates,
 * parsed JSON, Decimals as numbers when exact. Values not in the stored
 * form (a compound SELECT may mix them in) come back as they are.
 */
export function queryDecoder(
  type: ColumnType,
): ((v: unknown) => unknown) | undefined {
  switch (type) {
    case "Boolean":
      return (v) => (v === 1 ? true : v === 0 ? false : v);
    case "DateTime":
      return (v) =>
        typeof v === "string" && ISO_DATETIME.test(v) ? new Date(v) : v;
    case "Json":
      return (v) => {
        if (typeof v !== "string") return v;
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      };
    case "Decimal":
      return (v) =>
        typeof v === "string" && DECIMAL_TEXT.test(v) ? exactNumber(v) : v;
    default:
      return undefined;
  }
}
