/**
 * Table schemas and values: the column types, schema inference and
 * normalisation, coercing rows to a schema with precise failures, and the
 * canonical text of decimals and times both stores agree on.
 *
 * @module
 */

export * from "./schema.ts";
export * from "./canonical.ts";
export * from "./json.ts";
