/**
 * `Publication.query()` and `Publication.materialize()` of the PostgreSQL
 * store, on top of the sandbox: decoding query results, and inferring a
 * table definition from the result's column types. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import type {
  ColumnType,
  Row,
  TableSchema,
} from "../../../core/schema/schema.ts";
import { DataError } from "../../../core/errors.ts";
import { normalizeDef } from "../../_def.ts";
import { qid, run } from "../_connect.ts";
import { type PgCtx, qualified } from "../_catalog.ts";
import { createPhysicalIn, type PgStaged } from "../_physical.ts";
import {
  type Access,
  ORD_COL,
  type SandboxLimits,
  withSandbox,
} from "../_sandbox.ts";
import type { SqlLimits } from "../../store.ts";
import { columnKinds, POS_COL, POS_Q } from "../_types.ts";
import { exactNumber } from "../../_exact_number.ts";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMERIC = 1700;

/**
 * Runs one read-only SELECT and returns its rows, in the statement's order
 * (reading `limits.snapshot` when given).
 */
export function sandboxQuery(
  ctx: PgCtx,
  sql: string,
  params: unknown[],
  access: Access,
  limits?: SandboxLimits,
): Promise<Row[]> {
  return withSandbox(
    ctx,
    sql,
    params,
    access,
    "query",
    false,
    async (tx, view) => {
      const result = await tx.unsafe(
        `SELECT * FROM ${view} ORDER BY ${qid(ORD_COL)}`,
      );
      const numeric = result.columns.filter((c) => c.type === NUMERIC).map((
        c,
      ) => c.name);
      const out: Row[] = new Array(result.length);
      for (let r = 0; r < result.length; r++) {
        const src = result[r] as Record<string, unknown>;
        const row: Row = {};
        for (const k in src) {
          if (k !== ORD_COL && k !== POS_COL) row[k] = src[k];
        }
        for (const k of numeric) {
          if (typeof row[k] === "string") {
            row[k] = exactNumber(
              row[k] as string,
            );
          }
        }
        out[r] = row;
      }
      return out;
    },
    limits,
  );
}

interface ResultColumn {
  name: string;
  oid: number;
  category: string;
}

/** The column type and the expression storing it, by PostgreSQL type. */
function typeOf(c: ResultColumn): { type: ColumnType; expr: string } {
  const col = qid(c.name);
  switch (c.oid) {
    case 16:
      return { type: "Boolean", expr: col };
    case 20:
      return { type: "Integer", expr: col };
    case 21:
    case 23:
    case 26:
      return { type: "Integer", expr: `${col}::bigint` };
    case 700:
      return { type: "Float", expr: `${col}::double precision` };
    case 701:
      return { type: "Float", expr: col };
    case NUMERIC:
      return { type: "Decimal", expr: col };
    case 17:
      return { type: "Binary", expr: col };
    case 1082:
      return { type: "Date", expr: col };
    case 1184:
      return { type: "DateTime", expr: col };
    case 1114:
      return { type: "DateTime", expr: `${col} AT TIME ZONE 'UTC'` };
    case 1083:
      return { type: "Time", expr: col };
    case 114:
      return { type: "Json", expr: `${col}::jsonb` };
    case 3802:
      return { type: "Json", expr: col };
  }
  if (c.category === "A") return { type: "Json", expr: `to_jsonb(${col})` };
  return { type: "Text", expr: `${col}::text` };
}

/** Result columns, checked; the hidden ones dropped. */
function userColumns(cols: ResultColumn[]): ResultColumn[] {
  const out: ResultColumn[] = [];
  const seen = new Map<string, string>();
  for (const c of cols) {
    if (c.name === ORD_COL || c.name === POS_COL) continue;
    const name = c.name;
    if (!NAME_RE.test(name)) {
      throw new DataError(
        `materialize() failed: result column ${
          JSON.stringify(name)
        } is not a valid column name (use letters, digits and _, not starting with a digit); name it with an alias, e.g. ${name} AS my_column`,
      );
    }
    const prev = seen.get(name.toLowerCase());
    if (prev !== undefined) {
      throw new DataError(
        `materialize() failed: the result has two columns named "${prev}" and "${name}" (names ignore case); rename one with an alias, e.g. ${name} AS other_${name}`,
      );
    }
    seen.set(name.toLowerCase(), name);
    out.push(c);
  }
  if (out.length === 0) {
    throw new DataError("materialize() failed: the result has no columns");
  }
  return out;
}

/** Evaluates `sql` into a new staged version of `table` (its contents are new: ids go on from `lastId`). */
export async function sandboxMaterialize(
  ctx: PgCtx,
  table: string,
  sql: string,
  params: unknown[],
  access: Access,
  base: { lastId: number },
  limits?: SqlLimits,
): Promise<PgStaged> {
  const m = await withSandbox(
    ctx,
    sql,
    params,
    access,
    "materialize",
    true,
    async (tx, view) => {
      const cols = userColumns(
        await run<ResultColumn>(
          tx,
          `SELECT a.attname AS name, a.atttypid::int AS oid, t.typcategory AS category
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum`,
          [view],
        ),
      );
      const schema: TableSchema = {};
      const exprs: string[] = [];
      for (const c of cols) {
        const t = typeOf(c);
        schema[c.name] = t.type;
        exprs.push(t.expr);
      }
      const def = normalizeDef(table, { schema, uniqueOn: [] });
      const physical = await createPhysicalIn(ctx, tx, table, def);
      const names = [...cols.map((c) => qid(c.name)), POS_Q].join(", ");
      const inserted = await tx.unsafe(
        `INSERT INTO ${qualified(ctx, physical)} (${names}) SELECT ${
          exprs.join(", ")
        }, ${qid(ORD_COL)} - 1 FROM ${view}`,
      );
      return { physical, def, rowCount: inserted.count };
    },
    limits,
  );
  return {
    table,
    def: m.def,
    physical: m.physical,
    names: Object.keys(m.def.schema),
    kinds: columnKinds(m.def),
    lastId: base.lastId,
    nextPos: m.rowCount,
    rowCount: m.rowCount,
    sums: undefined,
    keyed: false,
    keys: undefined,
    hasher: undefined,
    queue: Promise.resolve(),
    inflight: new Set(),
    keysDirty: false,
    rowBytes: 64,
    keyCol: -1,
  };
}
