/**
 * SQLite encoding of Runnel column values, table definitions and
 * identifiers. Private to `stores/sqlite/`.
 *
 * @module
 */

import type { ColumnType, Row } from "../../core/schema/schema.ts";
import { DataError } from "../../core/errors.ts";
import type { TableDef } from "../store.ts";

export { checkTableName, normalizeDef, sameDef, stateJson } from "../_def.ts";

/** Value kinds driving encode/decode; one per column. */
export const K_PLAIN = 0;
/** Boolean ↔ 0/1. */
export const K_BOOL = 1;
/** DateTime ↔ ISO 8601 text. */
export const K_DATETIME = 2;
/** Json ↔ JSON text. */
export const K_JSON = 3;
/** Decimal: text, always read back as a string. */
export const K_DECIMAL = 4;
/** The `addCreated` DateTime column: filled with the batch time when null. */
export const K_CREATED = 5;
/** The `addMonotonicId` Integer column: filled with the next id when null. */
export const K_MONO = 6;

/** Quotes an SQL identifier. */
export function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const ROWID_NAMES = ["rowid", "_rowid_", "oid"] as const;

/**
 * The name that reaches the hidden rowid (insertion order) of a table with
 * these columns. SQLite has three, and a column of the same name (in any
 * case) hides each one, so a user column called `rowid` is fine.
 *
 * @throws {DataError} when the columns hide all three.
 */
export function rowidOf(table: string, columns: Iterable<string>): string {
  const taken = new Set<string>();
  for (const c of columns) taken.add(c.toLowerCase());
  const free = ROWID_NAMES.find((n) => !taken.has(n));
  if (free === undefined) {
    throw new DataError(
      `Cannot store table "${table}" in SQLite: its columns rowid, _rowid_ and oid hide the row order SQLite keeps; rename one of them (e.g. row_id)`,
    );
  }
  return free;
}

/** SQLite declared type of a column type. */
export function sqlType(t: ColumnType): string {
  switch (t) {
    case "Boolean":
    case "Integer":
      return "INTEGER";
    case "Float":
      return "REAL";
    case "Binary":
      return "BLOB";
    default:
      return "TEXT";
  }
}

/** Per-column kinds of a definition, in schema order. */
export function columnKinds(def: TableDef): Uint8Array {
  const entries = Object.entries(def.schema);
  const kinds = new Uint8Array(entries.length);
  entries.forEach(([col, t], i) => {
    if (col === def.addCreated) kinds[i] = K_CREATED;
    else if (col === def.addMonotonicId) kinds[i] = K_MONO;
    else if (t === "Boolean") kinds[i] = K_BOOL;
    else if (t === "DateTime") kinds[i] = K_DATETIME;
    else if (t === "Json") kinds[i] = K_JSON;
    else if (t === "Decimal") kinds[i] = K_DECIMAL;
    else kinds[i] = K_PLAIN;
  });
  return kinds;
}

/** Encodes one non-null value for binding (slow path; the writer inlines this). */
export function encodeValue(kind: number, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case K_BOOL:
      return v === true ? 1 : v === false ? 0 : v;
    case K_DATETIME:
    case K_CREATED:
      return v instanceof Date ? v.toISOString() : v;
    case K_JSON:
      return JSON.stringify(v);
  }
  return v;
}

/** Decodes one stored value back to its canonical JS value. */
export function decodeValue(kind: number, v: unknown): unknown {
  if (v === null) return null;
  switch (kind) {
    case K_BOOL:
      return v !== 0;
    case K_DATETIME:
    case K_CREATED:
      return new Date(v as string);
    case K_JSON:
      return JSON.parse(v as string);
    case K_DECIMAL:
      return typeof v === "string" ? v : String(v);
  }
  return v;
}

/** Builds row objects (user columns, schema order) from array rows. */
export function decodeRows(
  raw: unknown[][],
  names: readonly string[],
  kinds: Uint8Array,
): Row[] {
  const out: Row[] = new Array(raw.length);
  const n = names.length;
  for (let r = 0; r < raw.length; r++) {
    const src = raw[r]!;
    const row: Row = {};
    for (let c = 0; c < n; c++) {
      const k = kinds[c]!;
      row[names[c]!] = k === K_PLAIN ? src[c] : decodeValue(k, src[c]);
    }
    out[r] = row;
  }
  return out;
}

/** Converts a BigInt to a number when it fits exactly. */
export function unBig(v: unknown): unknown {
  if (typeof v !== "bigint") return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) &&
      v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** Encodes a `query()` parameter for binding. */
export function encodeParam(v: unknown, i: number): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  if (
    typeof v === "number" || typeof v === "string" || typeof v === "bigint" ||
    v instanceof Uint8Array
  ) return v;
  throw new DataError(
    `query() parameter ${
      i + 1
    } cannot be bound: use a string, number, bigint, boolean, Date, Uint8Array or null`,
  );
}
