/**
 * Checks shared by every store: table names, table definitions, node state
 * and node cache records. Private to `stores/`.
 *
 * @module
 */

import type { ColumnType, TableSchema } from "../core/schema/schema.ts";
import { COLUMN_TYPES } from "../core/schema/schema.ts";
import { DataError, StoreError } from "../core/errors.ts";
import type { NodeCacheRecord, TableDef } from "./store.ts";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_PREFIXES = ["_runnel_", "__rt_", "sqlite_", "pg_"];

/** Throws unless `name` can name a logical table. */
export function checkTableName(name: string): void {
  if (typeof name !== "string" || !NAME_RE.test(name) || name.length > 100) {
    throw new StoreError(
      `Table name ${
        JSON.stringify(name)
      } is not allowed: use letters, digits and _ (not starting with a digit, at most 100 characters)`,
    );
  }
  const lower = name.toLowerCase();
  const bad = RESERVED_PREFIXES.find((p) => lower.startsWith(p));
  if (bad !== undefined) {
    throw new StoreError(
      `Table name "${name}" is not allowed: names starting with "${bad}" are reserved by Runnel; pick another name`,
    );
  }
}

/** Validates a definition and returns a normalized copy (no undefined keys). */
export function normalizeDef(table: string, def: TableDef): TableDef {
  const where = `Table "${table}"`;
  const schema: TableSchema = {};
  for (const [col, t] of Object.entries(def?.schema ?? {})) {
    if (!NAME_RE.test(col)) {
      throw new DataError(
        `${where}: column name "${col}" is not allowed: use letters, digits and _ (not starting with a digit)`,
      );
    }
    if (!(COLUMN_TYPES as readonly string[]).includes(t)) {
      throw new DataError(
        `${where}: column "${col}" has unknown type ${
          JSON.stringify(t)
        }; use one of ${COLUMN_TYPES.join(", ")}`,
      );
    }
    schema[col] = t;
  }
  if (Object.keys(schema).length === 0) {
    throw new DataError(
      `${where} has no columns; declare them with init({ schema: { column: "Text", … } })`,
    );
  }
  const uniqueOn = [...(def.uniqueOn ?? [])];
  for (const col of uniqueOn) {
    if (!(col in schema)) {
      throw new DataError(
        `${where}: uniqueOn names "${col}", which is not a column (columns: ${
          Object.keys(schema).join(", ")
        })`,
      );
    }
  }
  if (new Set(uniqueOn).size !== uniqueOn.length) {
    throw new DataError(`${where}: uniqueOn lists a column twice`);
  }
  const out: TableDef = { schema, uniqueOn };
  checkSpecial(where, schema, def.addCreated, "addCreated", "DateTime");
  checkSpecial(where, schema, def.addMonotonicId, "addMonotonicId", "Integer");
  if (def.addCreated !== undefined) out.addCreated = def.addCreated;
  if (def.addMonotonicId !== undefined) out.addMonotonicId = def.addMonotonicId;
  if (
    out.addCreated !== undefined && out.addCreated === out.addMonotonicId
  ) {
    throw new DataError(
      `${where}: addCreated and addMonotonicId name the same column`,
    );
  }
  return out;
}

function checkSpecial(
  where: string,
  schema: TableSchema,
  col: string | undefined,
  option: string,
  type: ColumnType,
): void {
  if (col === undefined) return;
  if (schema[col] !== type) {
    throw new DataError(
      `${where}: ${option} names "${col}", which must be a ${type} column of the schema`,
    );
  }
}

/** True when two normalized definitions are identical (column order included). */
export function sameDef(a: TableDef, b: TableDef): boolean {
  const ae = Object.entries(a.schema);
  const be = Object.entries(b.schema);
  if (ae.length !== be.length) return false;
  for (let i = 0; i < ae.length; i++) {
    const x = ae[i]!;
    const y = be[i]!;
    if (x[0] !== y[0] || x[1] !== y[1]) return false;
  }
  return a.uniqueOn.length === b.uniqueOn.length &&
    a.uniqueOn.every((c, i) => b.uniqueOn[i] === c) &&
    a.addCreated === b.addCreated && a.addMonotonicId === b.addMonotonicId;
}

/** Serializes node state, which must be an object of JSON values. */
export function stateJson(nodeId: string, state: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(state);
  } catch (err) {
    throw new DataError(
      `State of node "${nodeId}" cannot be saved: ${(err as Error).message}`,
    );
  }
  if (json === undefined || !json.startsWith("{")) {
    throw new DataError(
      `State of node "${nodeId}" must be an object of JSON values`,
    );
  }
  return json;
}

function stringMap(
  nodeId: string,
  what: string,
  v: unknown,
): Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new DataError(
      `Cache record of node "${nodeId}": ${what} must be an object of strings`,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") {
      throw new DataError(
        `Cache record of node "${nodeId}": ${what}["${k}"] must be a string`,
      );
    }
    out[k] = x;
  }
  return out;
}

/** Validates a record and returns a copy the caller can no longer change. */
export function checkNodeCache(rec: NodeCacheRecord): NodeCacheRecord {
  const id = rec?.nodeId;
  if (typeof id !== "string" || id === "") {
    throw new DataError("A node cache record needs a nodeId");
  }
  if (typeof rec.key !== "string" || typeof rec.runId !== "string") {
    throw new DataError(
      `Cache record of node "${id}": key and runId must be strings`,
    );
  }
  if (!(rec.savedAt instanceof Date) || isNaN(rec.savedAt.getTime())) {
    throw new DataError(`Cache record of node "${id}": savedAt must be a Date`);
  }
  return {
    nodeId: id,
    key: rec.key,
    components: stringMap(id, "components", rec.components),
    runId: rec.runId,
    savedAt: new Date(rec.savedAt.getTime()),
  };
}
