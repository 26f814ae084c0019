/**
 * Column types of the PostgreSQL store: the SQL type of each Runnel type
 * and the per-column kinds the COPY encoder switches on. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import type { ColumnType } from "../../core/schema/schema.ts";
import type { TableDef } from "../store.ts";
import { qid } from "./_connect.ts";

/** Hidden column keeping each row's insertion position (not an identifier, so no user column can have it). */
export const POS_COL = "runnel:pos";
/** {@link POS_COL}, quoted. */
export const POS_Q = qid(POS_COL);

/** Encoder kinds, one per column. */
export const K = {
  BOOL: 0,
  INT8: 1,
  FLOAT8: 2,
  NUMERIC: 3,
  TEXT: 4,
  BYTEA: 5,
  DATE: 6,
  TIMESTAMPTZ: 7,
  TIME: 8,
  JSONB: 9,
  /** The `addCreated` DateTime column: the batch time when null. */
  CREATED: 10,
  /** The `addMonotonicId` Integer column: the next id when null. */
  MONO: 11,
} as const;

/** PostgreSQL type of a column type. */
export function pgType(t: ColumnType): string {
  switch (t) {
    case "Boolean":
      return "boolean";
    case "Integer":
      return "bigint";
    case "Float":
      return "double precision";
    case "Decimal":
      return "numeric";
    case "Text":
    case "LongText":
      // Byte order, as SQLite compares text.
      return 'text COLLATE "C"';
    case "Binary":
      return "bytea";
    case "Date":
      return "date";
    case "DateTime":
      return "timestamptz";
    case "Time":
      return "time";
    case "Json":
      return "jsonb";
  }
}

const KIND: Record<ColumnType, number> = {
  Boolean: K.BOOL,
  Integer: K.INT8,
  Float: K.FLOAT8,
  Decimal: K.NUMERIC,
  Text: K.TEXT,
  LongText: K.TEXT,
  Binary: K.BYTEA,
  Date: K.DATE,
  DateTime: K.TIMESTAMPTZ,
  Time: K.TIME,
  Json: K.JSONB,
};

/** Per-column kinds of a definition, in schema order. */
export function columnKinds(def: TableDef): Uint8Array {
  const entries = Object.entries(def.schema);
  const kinds = new Uint8Array(entries.length);
  entries.forEach(([col, t], i) => {
    if (col === def.addCreated) kinds[i] = K.CREATED;
    else if (col === def.addMonotonicId) kinds[i] = K.MONO;
    else kinds[i] = KIND[t];
  });
  return kinds;
}

/** `CREATE TABLE` column list of a physical table of `def`. */
export function columnDdl(def: TableDef): string {
  const unique = new Set(def.uniqueOn);
  const cols = Object.entries(def.schema).map(([c, t]) =>
    `${qid(c)} ${pgType(t)}${unique.has(c) ? " NOT NULL" : ""}`
  );
  return [...cols, `${POS_Q} bigint NOT NULL`].join(", ");
}
