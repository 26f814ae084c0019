/**
 * `Publication.materialize()` for SQLite: one read-only SELECT evaluated
 * inside SQLite into a new staged physical table, with no row passing
 * through JS. Private to `stores/sqlite/`.
 *
 * 1. The statement is prepared on the read-only connection, under the
 *    query authorizer: it proves it only reads the allowed tables and
 *    yields the result's column names.
 * 2. In a read transaction, `INSERT INTO temp.<scratch> <statement>`
 *    (prepared under the same authorizer, which also allows that insert)
 *    stores the raw result in an untyped temp table, and one aggregate
 *    pass infers the column types. The temp table is the connection's
 *    own, so the statement, however long, holds no lock on the store:
 *    other connections keep writing meanwhile (in a node's query process,
 *    the server's webhooks and records).
 * 3. In one write transaction the rows are copied, in order, into the new
 *    physical table with their row hashes computed by SQL, and their
 *    count and hash sums taken, so the commit never scans them.
 *
 * @module
 */

import type { ColumnType, TableSchema } from "../../../core/schema/schema.ts";
import { DataError } from "../../../core/errors.ts";
import type { TableDef } from "../../store.ts";
import { columnKinds, encodeParam, normalizeDef, quoteId } from "../_codec.ts";
import { LIVE_STAGED, type SqliteCtx, tx } from "../_catalog.ts";
import { HASH_COL, HASH_FN } from "../_hash.ts";
import {
  type Access,
  prepareGated,
  prepareReadOnly,
  type QueryConn,
  statementBody,
} from "../_query.ts";
import {
  createPhysicalIn,
  HASH_Q,
  scanSums,
  type Staged,
} from "../_physical.ts";
import type { HashSums } from "../_hash.ts";
import {
  invalidCount,
  keepsOrigin,
  originTypes,
  type ResultColumn,
} from "../_origin_types.ts";

const SCRATCH = "_runnel_materialize";
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Storage classes seen in a column, as bits: integer 1, real 2, text 4, blob 8.
const INT = 1;
const TEXT = 4;
const BLOB = 8;

/** Result column names, checked; `keep` are their positions (hidden hash columns dropped). */
function resultColumns(
  names: string[],
): { names: string[]; keep: number[] } {
  const out: string[] = [];
  const keep: number[] = [];
  const seen = new Map<string, string>();
  names.forEach((name, i) => {
    if (name === HASH_COL) return;
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
        `materialize() failed: the result has two columns named "${prev}"${
          prev === name ? "" : ` and "${name}"`
        } (names ignore case); rename one with an alias, e.g. ${name} AS other_${name}`,
      );
    }
    seen.set(name.toLowerCase(), name);
    out.push(name);
    keep.push(i);
  });
  if (out.length === 0) {
    throw new DataError("materialize() failed: the result has no columns");
  }
  return { names: out, keep };
}

/** The column type for the storage classes a column holds, and the expression that stores it. */
function typeOf(
  name: string,
  classes: number,
  src: string,
): { type: ColumnType; expr: string } {
  if (classes === 0 || classes === TEXT) return { type: "Text", expr: src };
  if (classes === INT) return { type: "Integer", expr: src };
  if (classes === BLOB) return { type: "Binary", expr: src };
  if ((classes & BLOB) !== 0) {
    throw new DataError(
      `materialize() failed: result column "${name}" mixes binary values with other types; CAST it to one type`,
    );
  }
  if ((classes & TEXT) !== 0) {
    return { type: "Text", expr: `CAST(${src} AS TEXT)` };
  }
  return { type: "Float", expr: `CAST(${src} AS REAL)` };
}

function sqliteFailure(err: unknown): never {
  if (err instanceof DataError) throw err;
  throw new DataError(
    `materialize() failed: ${(err as Error)?.message ?? err}`,
    { cause: err },
  );
}

/**
 * Evaluates `sql` into a new staged physical table for `table` and
 * returns it. Only `access.readable` may be read. The caller drops the
 * version it replaces.
 */
export function materializeStaged(
  ctx: SqliteCtx,
  qc: QueryConn,
  table: string,
  sql: string,
  params: unknown[],
  access: Access,
  lastId: number,
): Staged {
  const body = statementBody(sql, "materialize");
  const bound = (params ?? []).map(encodeParam) as (string | number | null)[];
  let columns: ResultColumn[];
  try {
    const probe = prepareReadOnly(qc, body, access, "materialize");
    columns = probe.columns();
  } catch (err) {
    sqliteFailure(err);
  }
  const all = columns.map((c) => c.name);
  const { names, keep } = resultColumns(all);
  const origins = originTypes(columns, access.defOf ?? (() => undefined));
  const scratch = `temp.${quoteId(SCRATCH)}`;
  const raw = all.map((_, i) => `c${i}`);
  const db = ctx.db;
  let def: TableDef | undefined;
  const exprs: string[] = [];
  try {
    // A read transaction: one snapshot of the inputs, no lock on the store.
    db.exec("BEGIN");
    try {
      db.exec(`DROP TABLE IF EXISTS ${scratch}`);
      db.exec(`CREATE TEMP TABLE ${quoteId(SCRATCH)} (${raw.join(", ")})`);
      // A newline before the end: the statement may end in a -- comment.
      prepareGated(
        db,
        `INSERT INTO ${scratch} (${raw.join(", ")}) ${body}\n`,
        access,
        "materialize",
        SCRATCH,
      ).run(...bound);
      const masks = keep.map((i) => {
        const c = raw[i]!;
        return `(max(typeof(${c}) = 'integer') | (max(typeof(${c}) = 'real') << 1) | (max(typeof(${c}) = 'text') << 2) | (max(typeof(${c}) = 'blob') << 3))`;
      });
      // Columns selected from a typed column: are their values all valid?
      const checked = keep.filter((i) => origins[i] !== undefined);
      const checks = checked.map((i) => invalidCount(origins[i]!, raw[i]!));
      const stats = db.prepare(
        `SELECT count(*), ${[...masks, ...checks].join(", ")} FROM ${scratch}`,
      );
      (stats as unknown as { setReturnArrays(on: boolean): void })
        .setReturnArrays(true);
      const got = stats.get() as unknown as (number | null)[];
      const schema: TableSchema = {};
      const invalid = new Map(
        checked.map((i, k) => [i, got[keep.length + 1 + k] ?? 0]),
      );
      keep.forEach((i, k) => {
        const origin = origins[i];
        const classes = got[k + 1] ?? 0;
        const t = origin !== undefined &&
            keepsOrigin(origin, classes, invalid.get(i)!)
          ? { type: origin, expr: raw[i]! }
          : typeOf(names[k]!, classes, raw[i]!);
        schema[names[k]!] = t.type;
        exprs.push(t.expr);
      });
      def = normalizeDef(table, { schema, uniqueOn: [] });
      db.exec("COMMIT");
    } catch (err) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // already rolled back by SQLite
      }
      throw err;
    }
  } catch (err) {
    sqliteFailure(err);
  }
  let physical: string | undefined;
  let counted: { n: number; sums: HashSums } | undefined;
  try {
    counted = tx(ctx, () => {
      physical = createPhysicalIn(ctx, table, def!);
      const cols = [...names.map(quoteId), HASH_Q].join(", ");
      db.exec(
        `INSERT INTO ${quoteId(physical)} (${cols}) SELECT ${
          exprs.join(", ")
        }, ${HASH_FN}(${exprs.join(", ")}) FROM ${scratch} ORDER BY rowid`,
      );
      db.exec(`DROP TABLE ${scratch}`);
      return scanSums(ctx, physical);
    });
  } catch (err) {
    sqliteFailure(err);
  }
  LIVE_STAGED.add(physical!);
  return {
    table,
    def: def!,
    physical: physical!,
    names,
    kinds: columnKinds(def!),
    lastId,
    rowCount: counted!.n,
    sums: counted!.sums,
  };
}
