/**
 * `Publication.query()` for SQLite: a separate read-only connection whose
 * authorizer lets one SELECT read only the declared tables. Private to
 * `stores/sqlite.ts`.
 *
 * @module
 */

import { constants, DatabaseSync } from "node:sqlite";
import type { Row } from "../core/schema.ts";
import { DataError, StoreError } from "../core/errors.ts";
import { encodeParam, unBig } from "./_sqlite_codec.ts";

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

/** The read-only connection and the tables the current query may read. */
export interface QueryConn {
  db: DatabaseSync;
  allowed: Set<string>;
  denied: Denied | undefined;
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
  const authorize: Authorizer = (action, a1, a2, dbName) => {
    if (action === A_SELECT || action === A_RECURSIVE) return OK;
    if (action === A_FUNCTION && a2 !== "load_extension") return OK;
    if (
      action === A_READ && (dbName === "main" || dbName === null) &&
      a1 !== null &&
      (qc.allowed.has(a1) || PURE_TABLE_FUNCTIONS.has(a1))
    ) return OK;
    qc.denied ??= { action, a1: action === A_FUNCTION ? a2 : a1 };
    return DENY;
  };
  (db as unknown as { setAuthorizer(cb: Authorizer): void }).setAuthorizer(
    authorize,
  );
  return qc;
}

/** Throws unless `sql` holds exactly one statement. */
export function checkSingleStatement(sql: string): void {
  let i = 0;
  let ended = false;
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
    if (ended) {
      throw new DataError(
        "query() runs exactly one SELECT statement; remove everything after the first ';'",
      );
    }
    if (ch === ";") {
      ended = true;
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
  if (!any) throw new DataError("query() needs an SQL SELECT statement");
}

/**
 * Runs one SELECT on the read-only connection, allowing reads of the
 * tables and views in `readable` only. `nameOf` maps a physical table back
 * to its logical name for error messages.
 */
export function runQuery(
  qc: QueryConn,
  sql: string,
  params: unknown[],
  readable: Set<string>,
  declared: string[],
  nameOf: (physical: string) => string | undefined,
): Row[] {
  checkSingleStatement(sql);
  const bound = params.map(encodeParam) as (string | number | null)[];
  qc.allowed = readable;
  qc.denied = undefined;
  try {
    const stmt = qc.db.prepare(sql);
    stmt.setReadBigInts(true);
    const raw = stmt.all(...bound);
    const out: Row[] = new Array(raw.length);
    for (let r = 0; r < raw.length; r++) {
      const src = raw[r] as Record<string, unknown>;
      const row: Row = {};
      for (const k in src) row[k] = unBig(src[k]);
      out[r] = row;
    }
    return out;
  } catch (err) {
    const denied = qc.denied;
    if (denied !== undefined) throw deniedError(denied, declared, nameOf, err);
    if (err instanceof DataError) throw err;
    throw new DataError(`query() failed: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    qc.allowed = new Set();
    qc.denied = undefined;
  }
}

function deniedError(
  d: Denied,
  declared: string[],
  nameOf: (physical: string) => string | undefined,
  cause: unknown,
): DataError {
  if (d.action === A_READ && d.a1 !== null) {
    const lower = d.a1.toLowerCase();
    if (lower.startsWith("_runnel_") || lower.startsWith("sqlite_")) {
      return new DataError(
        `query() cannot read "${d.a1}": it is internal to the store`,
        { cause },
      );
    }
    const logical = nameOf(d.a1) ?? d.a1;
    return new DataError(
      `query() may only read the tables declared for it (${
        declared.length > 0 ? declared.join(", ") : "none"
      }); table "${logical}" is not declared`,
      { cause },
    );
  }
  if (d.action === A_PRAGMA) {
    return new DataError("query() cannot run PRAGMA statements", { cause });
  }
  const what = ACTION_NAMES.get(d.action) ?? `action ${d.action}`;
  return new DataError(
    `query() runs read-only SELECT statements only; ${what}${
      d.a1 !== null ? ` (${d.a1})` : ""
    } is not allowed`,
    { cause },
  );
}
