/**
 * `Publication.query()` for SQLite: a separate read-only connection whose
 * authorizer lets one SELECT read only the declared tables; the same
 * authorizer guards `materialize()` on the write connection. Private to
 * `stores/sqlite/`.
 *
 * @module
 */

import { constants, DatabaseSync, type StatementSync } from "node:sqlite";
import type { Row } from "../../core/schema/schema.ts";
import { DataError, StoreError } from "../../core/errors.ts";
import { encodeParam, unBig } from "./_codec.ts";
import { HASH_COL } from "./_hash.ts";
import type { TableDef } from "../store.ts";
import { originTypes, queryDecoder } from "./_origin_types.ts";
import { type SnapshotView, withViews } from "./_snapshot.ts";

type Authorizer = (
  action: number,
  a1: string | null,
  a2: string | null,
  dbName: string | null,
  trigger: string | null,
) => number;

const C = constants as unknown as Record<string, number>;
const OK = C.SQLITE_OK ?? 0;
const DENY = C.SQLITE_DENY ?? 1;
const A_SELECT = C.SQLITE_SELECT ?? 21;
const A_READ = C.SQLITE_READ ?? 20;
const A_FUNCTION = C.SQLITE_FUNCTION ?? 31;
const A_RECURSIVE = C.SQLITE_RECURSIVE ?? 33;
const A_PRAGMA = C.SQLITE_PRAGMA ?? 19;

/** Table-valued functions that only read their arguments. */
const PURE_TABLE_FUNCTIONS = new Set(["json_each", "json_tree"]);

const ACTION_NAMES = new Map<number, string>(
  Object.entries(C)
    .filter(([k]) =>
      k.startsWith("SQLITE_") && !k.startsWith("SQLITE_CHANGESET")
    )
    .map(([k, v]) => [v, k.slice(7).replaceAll("_", " ")]),
);

interface Denied {
  action: number;
  a1: string | null;
}

/** What one statement being prepared may do; filled in by the authorizer. */
interface Gate {
  /** Tables and views that may be read. */
  allowed: Set<string>;
  /** The first action refused. */
  denied: Denied | undefined;
  /** A temp table the statement may insert into (materialize). */
  insertInto?: string;
  /** Temporary views of a read snapshot that may be read. */
  views?: Set<string>;
  /** Set while the store itself creates or drops those views. */
  internal?: boolean;
}

/** The read-only connection and the tables the current query may read. */
export interface QueryConn extends Gate {
  db: DatabaseSync;
}

/** Who reads: names the method in error messages. */
export interface Access {
  /** Physical tables and views that may be read. */
  readable: Set<string>;
  /** Logical tables the caller declared (for messages). */
  declared: string[];
  /** Logical name of a physical table, for messages. */
  nameOf: (physical: string) => string | undefined;
  /** Definition of a readable physical table (for the types a result keeps). */
  defOf?: (physical: string) => TableDef | undefined;
  /** Tables read as a read snapshot shows them (see `_snapshot.ts`). */
  views?: SnapshotView[];
}

const A_INSERT = C.SQLITE_INSERT ?? 18;

function authorizer(g: Gate): Authorizer {
  return (action, a1, a2, dbName) => {
    if (g.internal === true) return OK;
    if (action === A_SELECT || action === A_RECURSIVE) return OK;
    if (action === A_FUNCTION && a2 !== "load_extension") return OK;
    if (
      action === A_READ && (dbName === "main" || dbName === null) &&
      a1 !== null &&
      (g.allowed.has(a1) || PURE_TABLE_FUNCTIONS.has(a1))
    ) return OK;
    if (
      action === A_READ && dbName === "temp" && a1 !== null &&
      g.views?.has(a1) === true
    ) return OK;
    if (
      action === A_INSERT && g.insertInto !== undefined &&
      a1 === g.insertInto && dbName === "temp"
    ) return OK;
    g.denied ??= { action, a1: action === A_FUNCTION ? a2 : a1 };
    return DENY;
  };
}

function setAuthorizer(db: DatabaseSync, cb: Authorizer | null): void {
  (db as unknown as { setAuthorizer(cb: Authorizer | null): void })
    .setAuthorizer(cb);
}

/** Opens the read-only query connection of a store. */
export function openQueryConn(path: string): QueryConn {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 10000");
  } catch (err) {
    throw new StoreError(
      `Cannot open a read-only connection to ${path}: ${
        (err as Error).message
      }`,
      { cause: err },
    );
  }
  const qc: QueryConn = { db, allowed: new Set(), denied: undefined };
  setAuthorizer(db, authorizer(qc));
  return qc;
}

/**
 * Throws unless `sql` holds exactly one statement; returns it without its
 * terminating semicolon (and whatever comments follow). `verb` names the
 * method in messages.
 */
export function statementBody(sql: string, verb = "query"): string {
  if (typeof sql !== "string") {
    throw new DataError(`${verb}() needs an SQL SELECT statement`);
  }
  let i = 0;
  let end = -1;
  let any = false;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "-" && sql[i + 1] === "-") {
      const j = sql.indexOf("\n", i);
      i = j < 0 ? n : j + 1;
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      const j = sql.indexOf("*/", i + 2);
      i = j < 0 ? n : j + 2;
      continue;
    }
    if (end >= 0) {
      throw new DataError(
        `${verb}() runs exactly one SELECT statement; remove everything after the first ';'`,
      );
    }
    if (ch === ";") {
      end = i;
      i++;
      continue;
    }
    any = true;
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
      const close = ch === "[" ? "]" : ch;
      let j = sql.indexOf(close, i + 1);
      while (j >= 0 && close !== "]" && sql[j + 1] === close) {
        j = sql.indexOf(close, j + 2);
      }
      i = j < 0 ? n : j + 1;
      continue;
    }
    i++;
  }
  if (!any) throw new DataError(`${verb}() needs an SQL SELECT statement`);
  return end < 0 ? sql : sql.slice(0, end);
}

/**
 * Prepares `sql` with an authorizer that lets it read only
 * `access.readable` (and insert into the temp table `insertInto`), then
 * removes the authorizer. Refusals become DataErrors naming the table.
 */
export function prepareGated(
  db: DatabaseSync,
  sql: string,
  access: Access,
  verb: string,
  insertInto?: string,
): StatementSync {
  const gate: Gate = { allowed: access.readable, denied: undefined };
  if (insertInto !== undefined) gate.insertInto = insertInto;
  setAuthorizer(db, authorizer(gate));
  try {
    return db.prepare(sql);
  } catch (err) {
    if (gate.denied !== undefined) {
      throw deniedError(gate.denied, access, err, verb);
    }
    throw err;
  } finally {
    setAuthorizer(db, null);
  }
}

/**
 * Prepares one SELECT on the read-only connection, allowing reads of
 * `access.readable` only. Refusals become DataErrors naming the table.
 */
export function prepareReadOnly(
  qc: QueryConn,
  sql: string,
  access: Access,
  verb: string,
): StatementSync {
  qc.allowed = access.readable;
  qc.denied = undefined;
  try {
    return qc.db.prepare(sql);
  } catch (err) {
    const denied = qc.denied;
    if (denied !== undefined) throw deniedError(denied, access, err, verb);
    throw err;
  } finally {
    qc.allowed = new Set();
    qc.denied = undefined;
  }
}

/**
 * Runs one SELECT on the read-only connection, allowing reads of the
 * tables and views in `access.readable` only. The hidden row-hash column
 * never appears in the rows. The tables of `access.views` are read as
 * their snapshot shows them, through temporary views that shadow them for
 * this statement only.
 */
export function runQuery(
  qc: QueryConn,
  sql: string,
  params: unknown[],
  access: Access,
): Row[] {
  statementBody(sql);
  return withViews(
    qc,
    access.views ?? [],
    () => runGated(qc, sql, params, access),
  );
}

function runGated(
  qc: QueryConn,
  sql: string,
  params: unknown[],
  access: Access,
): Row[] {
  const bound = params.map(encodeParam) as (string | number | null)[];
  try {
    const stmt = prepareReadOnly(qc, sql, access, "query");
    stmt.setReadBigInts(true);
    // Columns selected straight from a typed column read as that type.
    const columns = stmt.columns();
    const origins = originTypes(columns, access.defOf ?? (() => undefined));
    const decoders: [string, (v: unknown) => unknown][] = [];
    origins.forEach((t, i) => {
      const d = t === undefined ? undefined : queryDecoder(t);
      if (d !== undefined) decoders.push([columns[i]!.name, d]);
    });
    // SQLite may re-prepare a statement when values are bound (LIMIT ?,
    // LIKE ?), which runs the authorizer again: keep the same gate open
    // while the statement executes.
    qc.allowed = access.readable;
    let raw;
    try {
      raw = stmt.all(...bound);
    } finally {
      qc.allowed = new Set();
    }
    const out: Row[] = new Array(raw.length);
    for (let r = 0; r < raw.length; r++) {
      const src = raw[r] as Record<string, unknown>;
      const row: Row = {};
      for (const k in src) if (k !== HASH_COL) row[k] = unBig(src[k]);
      for (const [k, decode] of decoders) row[k] = decode(row[k]);
      out[r] = row;
    }
    return out;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`query() failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function deniedError(
  d: Denied,
  access: Access,
  cause: unknown,
  verb: string,
): DataError {
  const declared = access.declared;
  if (d.action === A_READ && d.a1 !== null) {
    const lower = d.a1.toLowerCase();
    if (lower.startsWith("_runnel_") || lower.startsWith("sqlite_")) {
      return new DataError(
        `${verb}() cannot read "${d.a1}": it is internal to the store`,
        { cause },
      );
    }
    const logical = access.nameOf(d.a1) ?? d.a1;
    return new DataError(
      `${verb}() may only read the tables declared for it (${
        declared.length > 0 ? declared.join(", ") : "none"
      }); table "${logical}" is not declared`,
      { cause },
    );
  }
  if (d.action === A_PRAGMA) {
    return new DataError(`${verb}() cannot run PRAGMA statements`, { cause });
  }
  const what = ACTION_NAMES.get(d.action) ?? `action ${d.action}`;
  const on = d.a1 === null ? null : access.nameOf(d.a1) ?? d.a1;
  return new DataError(
    `${verb}() runs read-only SELECT statements only; ${what}${
      on !== null ? ` (${on})` : ""
    } is not allowed`,
    { cause },
  );
}
