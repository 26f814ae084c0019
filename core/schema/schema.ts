/**
 * Column types (Patterns / CommonModel names) and value coercion.
 *
 * Pure and dependency-free: the sandbox SDK uses it inside the worker to
 * reject a bad batch before anything is sent, and the host uses it again
 * because it never trusts the worker.
 *
 * Canonical JS values, identical on every store:
 * Boolean → boolean, Integer → number, Float → number, Decimal → string
 * (canonical: no exponent, no leading zeros, scale kept: "15.0"),
 * Text/LongText → string, Binary → Uint8Array, Date → "YYYY-MM-DD",
 * DateTime → Date, Time → "HH:MM:SS[.ffffff]" (no trailing zeros), Json →
 * any JSON value.
 * `null` (and `undefined`) is allowed in every column except unique keys.
 *
 * @module
 */

import { canonicalDecimal, canonicalTime } from "./canonical.ts";
import { jsonProblem } from "./json.ts";

/** The column types a table schema may use. */
export const COLUMN_TYPES = [
  "Boolean",
  "Integer",
  "Float",
  "Decimal",
  "Text",
  "LongText",
  "Binary",
  "Date",
  "DateTime",
  "Time",
  "Json",
] as const;

/** One of {@link COLUMN_TYPES}. */
export type ColumnType = typeof COLUMN_TYPES[number];

/** Column name → type, in column order. */
export type TableSchema = Record<string, ColumnType>;

/** A row as nodes see it. */
export type Row = Record<string, unknown>;

const TYPE_BY_LOWER = new Map<string, ColumnType>(
  COLUMN_TYPES.map((t) => [t.toLowerCase(), t]),
);

/** Resolves a type name case-insensitively (`datetime`, `Datetime` → `DateTime`). */
export function parseColumnType(name: string): ColumnType | undefined {
  return TYPE_BY_LOWER.get(name.trim().toLowerCase());
}

/** Validates a user-written schema and returns it with canonical type names. Throws a plain Error describing the first problem. */
export function normalizeSchema(schema: Record<string, unknown>): TableSchema {
  const out: TableSchema = {};
  for (const [col, t] of Object.entries(schema)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(col)) {
      throw new Error(
        `column name "${col}" is not allowed: use letters, digits and _ (not starting with a digit)`,
      );
    }
    const type = typeof t === "string" ? parseColumnType(t) : undefined;
    if (type === undefined) {
      throw new Error(
        `column "${col}" has unknown type ${JSON.stringify(t)}: use one of ${
          COLUMN_TYPES.join(", ")
        }`,
      );
    }
    out[col] = type;
  }
  return out;
}

/** Infers a schema from sample rows, for tables written without `init({ schema })`. */
export function inferSchema(rows: readonly Row[]): TableSchema {
  const schema: TableSchema = {};
  for (const row of rows) {
    for (const [col, v] of Object.entries(row)) {
      if (v === null || v === undefined) continue;
      const t = inferType(v);
      const prev = schema[col];
      if (prev === undefined) schema[col] = t;
      else if (prev === "Integer" && t === "Float") schema[col] = "Float";
      else if (prev !== t && !(prev === "Float" && t === "Integer")) {
        schema[col] = "Json";
      }
    }
    for (const col of Object.keys(row)) {
      if (!(col in schema)) schema[col] = "Text";
    }
  }
  return schema;
}

function inferType(v: unknown): ColumnType {
  switch (typeof v) {
    case "boolean":
      return "Boolean";
    case "number":
      return Number.isInteger(v) ? "Integer" : "Float";
    case "bigint":
      return "Integer";
    case "string":
      return "Text";
  }
  if (v instanceof Date) return "DateTime";
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return "Binary";
  return "Json";
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+$/;

/** Sentinel returned by {@link coerceValue} when a value does not fit. */
export const INVALID: unique symbol = Symbol("invalid");

/**
 * Coerces one value to the canonical JS value of `type`, or returns
 * {@link INVALID}. `null`/`undefined` become `null`.
 */
export function coerceValue(type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "Text":
    case "LongText":
      if (typeof v === "string") return v;
      if (typeof v === "number" || typeof v === "bigint") return String(v);
      if (typeof v === "boolean") return String(v);
      return INVALID;
    case "Integer":
      if (typeof v === "number") return Number.isSafeInteger(v) ? v : INVALID;
      if (typeof v === "bigint") {
        return v >= BigInt(Number.MIN_SAFE_INTEGER) &&
            v <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(v)
          : INVALID;
      }
      if (typeof v === "string" && INT_RE.test(v.trim())) {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : INVALID;
      }
      if (typeof v === "boolean") return v ? 1 : 0;
      return INVALID;
    case "Float":
      if (typeof v === "number") return Number.isFinite(v) ? v : INVALID;
      if (typeof v === "bigint") return Number(v);
      if (typeof v === "string" && DECIMAL_RE.test(v.trim())) return Number(v);
      return INVALID;
    case "Decimal":
      if (typeof v === "number") {
        return Number.isFinite(v) ? canonicalDecimal(String(v))! : INVALID;
      }
      if (typeof v === "bigint") return v.toString();
      if (typeof v === "string" && DECIMAL_RE.test(v.trim())) {
        return canonicalDecimal(v) ?? INVALID;
      }
      return INVALID;
    case "Boolean":
      if (typeof v === "boolean") return v;
      if (v === 1 || v === 0) return v === 1;
      if (typeof v === "string") {
        const s = v.trim().toLowerCase();
        if (s === "true" || s === "1" || s === "yes") return true;
        if (s === "false" || s === "0" || s === "no") return false;
      }
      return INVALID;
    case "Binary":
      if (v instanceof Uint8Array) return v;
      if (v instanceof ArrayBuffer) return new Uint8Array(v);
      return INVALID;
    case "Date":
      if (v instanceof Date) {
        return isNaN(v.getTime()) ? INVALID : v.toISOString().slice(0, 10);
      }
      if (typeof v === "string" && DATE_RE.test(v) && !v.startsWith("0000")) {
        return isNaN(Date.parse(v + "T00:00:00Z")) ? INVALID : v;
      }
      return INVALID;
    case "DateTime": {
      if (v instanceof Date) return isNaN(v.getTime()) ? INVALID : v;
      if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}([T ]|$)/.test(v)) {
        const d = new Date(v.length === 10 ? v + "T00:00:00Z" : v);
        return isNaN(d.getTime()) ? INVALID : d;
      }
      if (typeof v === "number" && Number.isFinite(v)) return new Date(v);
      return INVALID;
    }
    case "Time":
      if (typeof v === "string") return canonicalTime(v) ?? INVALID;
      return INVALID;
    case "Json":
      return jsonProblem(v, { allowUndefinedMembers: true }) === undefined
        ? v
        : INVALID;
  }
}

/** Where a row batch failed coercion. */
export interface CoercionFailure {
  /** 0-based index of the row within the batch. */
  row: number;
  column: string;
  value: unknown;
  /** What is wrong, without the table name. */
  reason: string;
}

/** Short, safe rendering of a value for error messages. */
export function describeValue(v: unknown): string {
  if (typeof v === "string") {
    return JSON.stringify(v.length > 60 ? v.slice(0, 57) + "..." : v);
  }
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Date) return `Date(${v.toString()})`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === "object" && v !== null) {
    try {
      const s = JSON.stringify(v);
      return s.length > 60 ? s.slice(0, 57) + "..." : s;
    } catch {
      return Object.prototype.toString.call(v);
    }
  }
  return String(v);
}

/**
 * Coerces a batch of rows to `schema`. Returns new row objects holding only
 * schema columns (missing ones become `null`), or the first failure. Unique
 * key columns must not be null.
 */
export function coerceRows(
  schema: TableSchema,
  rows: readonly Row[],
  uniqueOn: readonly string[] = [],
): { rows: Row[] } | { failure: CoercionFailure } {
  const cols = Object.entries(schema);
  const known = new Set(Object.keys(schema));
  const out: Row[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      return {
        failure: {
          row: i,
          column: "",
          value: row,
          reason: "is not an object of column values",
        },
      };
    }
    const next: Row = {};
    for (const [col, type] of cols) {
      const raw = row[col];
      const v = coerceValue(type, raw);
      if (v === INVALID) {
        return {
          failure: {
            row: i,
            column: col,
            value: raw,
            reason: `does not fit type ${type}`,
          },
        };
      }
      next[col] = v;
    }
    for (const key in row) {
      if (!known.has(key) && row[key] !== undefined) {
        return {
          failure: {
            row: i,
            column: key,
            value: row[key],
            reason: `is not a column of the table (columns: ${
              [...known].join(", ")
            }); add it to init({ schema })`,
          },
        };
      }
    }
    for (const key of uniqueOn) {
      if (next[key] === null) {
        return {
          failure: {
            row: i,
            column: key,
            value: null,
            reason: "is a unique key and must not be null",
          },
        };
      }
    }
    out[i] = next;
  }
  return { rows: out };
}

/** Renders a coercion failure as a full sentence naming the table. */
export function formatCoercionFailure(
  table: string,
  f: CoercionFailure,
): string {
  if (f.column === "") {
    return `Cannot write to table "${table}": row ${f.row} ${f.reason} (got ${
      describeValue(f.value)
    }); nothing of this batch was written`;
  }
  return `Cannot write to table "${table}": column "${f.column}" of row ${f.row} ${f.reason} (value ${
    describeValue(f.value)
  }); nothing of this batch was written`;
}
