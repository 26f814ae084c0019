/**
 * Values of every column type for the Store contract tests.
 *
 * @module
 */

import type { Row } from "../core/schema/schema.ts";
import type { TableDef } from "../stores/mod.ts";

/** A table with one column of every type. */
export const ALL_TYPES: TableDef = {
  schema: {
    b: "Boolean",
    i: "Integer",
    f: "Float",
    d: "Decimal",
    t: "Text",
    lt: "LongText",
    bin: "Binary",
    day: "Date",
    ts: "DateTime",
    tm: "Time",
    j: "Json",
  },
  uniqueOn: [],
};

/** Rows covering every type: extremes, unicode, empty values and nulls. */
export function allTypeRows(): Row[] {
  return [
    {
      b: true,
      i: Number.MAX_SAFE_INTEGER,
      f: 3.14159,
      d: "12345678901234567890.0123456789",
      t: "héllo wörld — 日本語 🎉",
      lt: "x".repeat(100_000),
      bin: new Uint8Array([0, 1, 127, 128, 254, 255]),
      day: "2024-02-29",
      ts: new Date("2024-03-01T12:34:56.789Z"),
      tm: "23:59:59.999",
      // PostgreSQL (jsonb) reads objects back with their keys sorted, SQLite
      // as written: deepEqual ignores key order, and so do content versions.
      j: { a: [1, "two", { three: 3.5 }], b: null, c: true, "ü": "ünï 🎉" },
    },
    {
      b: false,
      i: Number.MIN_SAFE_INTEGER,
      f: -1.5e-10,
      d: "-0.001",
      t: "",
      lt: "line1\nline2\ttab 'single' \"double\" \\ back",
      bin: new Uint8Array([42]),
      day: "1970-01-01",
      ts: new Date(0),
      // Canonical: coercion turns "00:00" into "00:00:00" (see
      // core/schema/schema.ts); PostgreSQL's time type would print it so.
      tm: "00:00:00",
      j: [],
    },
    {
      b: null,
      i: null,
      f: null,
      d: null,
      t: null,
      lt: null,
      bin: null,
      day: null,
      ts: null,
      tm: null,
      j: null,
    },
    {
      b: true,
      i: 0,
      f: 1e300,
      d: "0",
      t: "null",
      lt: "",
      bin: null,
      day: "9999-12-31",
      ts: new Date("1969-07-20T20:17:40.001Z"),
      tm: "12:00:00",
      j: "just a string",
    },
    {
      ...Object.fromEntries(
        Object.keys(ALL_TYPES.schema).map((k) => [k, null]),
      ),
      j: 42,
      f: 7,
    },
  ];
}
