/**
 * Running node SQL inside PostgreSQL with only the declared tables
 * readable and nothing writable. The statement becomes a materialized
 * view owned by the privilege-less role `runnel_sandbox` and is evaluated
 * by `REFRESH MATERIALIZED VIEW`, which runs it as that role in a
 * security-restricted operation: only tables granted to the role (the
 * declared ones, granted inside the same transaction) can be read, and the
 * statement cannot switch roles, create temporary objects or keep locks.
 * `query()` then reads the view and rolls everything back; `materialize()`
 * copies it into a new staged table. A query given a read snapshot runs in
 * a REPEATABLE READ transaction that imports it first (grants are checked
 * against the catalog as it is now, so they hold there too). Private to
 * `stores/postgres/`.
 *
 * @module
 */

import {
  DataError,
  RunnelError,
  SqlTimeoutError,
  StoreError,
} from "../../core/errors.ts";
import type { SqlLimits } from "../store.ts";
import {
  type AnySql,
  codeOf,
  isConnectionLoss,
  pgFailure,
  qid,
  run,
} from "./_connect.ts";
import {
  key31,
  LOCK_CLASS_GRANT,
  LOCK_CLASS_INIT,
  type PgCtx,
} from "./_catalog.ts";
import { bindParams, statementBody } from "./_sql.ts";

/** The role and scratch schema node SQL runs as and in. */
export const SANDBOX = "runnel_sandbox";
/** Hidden column numbering the statement's rows in order. */
export const ORD_COL = "runnel:ord";

/** What a statement may read. */
export interface Access {
  /** Qualified relations to grant SELECT on. */
  grants: string[];
  /** Logical tables the caller declared (for messages). */
  declared: string[];
  /** Logical name of a relation (physical table or view), for messages. */
  nameOf: (relation: string) => string | undefined;
  /**
   * Tables read through a snapshot whose view (named like the table) shows
   * a version committed after it, so it is not granted.
   */
  replaced?: Set<string>;
}

/** {@link SqlLimits}, and the snapshot a query reads (`pg_export_snapshot()`). */
export interface SandboxLimits extends SqlLimits {
  snapshot?: string;
}

const ready = new WeakSet<PgCtx>();

class Rollback {
  constructor(readonly value: unknown) {}
}

/** Creates the sandbox role and schema once per store (needs CREATEROLE the first time). */
async function ensureSandbox(ctx: PgCtx): Promise<void> {
  if (ready.has(ctx)) return;
  const fix =
    `ask an administrator to run: CREATE ROLE ${SANDBOX} NOLOGIN; GRANT ${SANDBOX} TO "${ctx.target.user}"; CREATE SCHEMA ${SANDBOX} AUTHORIZATION ${SANDBOX}; (or grant "${ctx.target.user}" CREATEROLE)`;
  try {
    await ctx.sql.begin(async (tx) => {
      await run(tx, "SELECT pg_advisory_xact_lock($1, $2)", [
        LOCK_CLASS_INIT,
        key31(SANDBOX),
      ]);
      const role = await run(tx, "SELECT 1 FROM pg_roles WHERE rolname = $1", [
        SANDBOX,
      ]);
      if (role.length === 0) {
        await run(tx, `CREATE ROLE ${SANDBOX} NOLOGIN`, [], false);
      }
      const member = await run<{ ok: boolean }>(
        tx,
        "SELECT pg_has_role(current_user, $1, 'MEMBER') AS ok",
        [SANDBOX],
      );
      if (!member[0]?.ok) {
        await run(tx, `GRANT ${SANDBOX} TO CURRENT_USER`, [], false);
      }
      const schema = await run(
        tx,
        "SELECT 1 FROM pg_namespace WHERE nspname = $1",
        [SANDBOX],
      );
      if (schema.length === 0) {
        await run(
          tx,
          `CREATE SCHEMA ${SANDBOX} AUTHORIZATION ${SANDBOX}`,
          [],
          false,
        );
      }
      const usage = await run<{ ok: boolean }>(
        tx,
        "SELECT has_schema_privilege($1, $2, 'USAGE') AS ok",
        [SANDBOX, ctx.target.schema],
      );
      if (!usage[0]?.ok) {
        await run(
          tx,
          `GRANT USAGE ON SCHEMA ${ctx.qs} TO ${SANDBOX}`,
          [],
          false,
        );
      }
    });
  } catch (err) {
    if (isConnectionLoss(err)) {
      throw pgFailure("Cannot prepare SQL", err, ctx.location);
    }
    throw new StoreError(
      `Cannot prepare the ${SANDBOX} role that SQL runs as on ${ctx.location}: ${
        (err as Error)?.message
      }; ${fix}`,
      { cause: err },
    );
  }
  ready.add(ctx);
}

function sandboxError(
  err: unknown,
  access: Access,
  verb: string,
  location: string,
): RunnelError {
  if (err instanceof RunnelError) return err;
  if (isConnectionLoss(err)) {
    return pgFailure(`${verb}() failed`, err, location);
  }
  const msg = String((err as Error)?.message ?? err);
  const denied =
    /permission denied for (?:table|view|materialized view|relation|sequence) "?([^"\s]+)"?/
      .exec(msg);
  if (codeOf(err) === "42501" && denied !== null) {
    const rel = denied[1]!;
    if (rel.toLowerCase().startsWith("_runnel_")) {
      return new DataError(
        `${verb}() cannot read "${rel}": it is internal to the store`,
        { cause: err },
      );
    }
    const logical = access.nameOf(rel) ?? rel;
    if (access.replaced?.has(logical) && rel === logical) {
      return new DataError(
        `${verb}() cannot read table "${logical}" by its name: a new version was committed since the node started; name it {{ Table("<port>") }} (or {{ this }}) to read the node's snapshot of it`,
        { cause: err },
      );
    }
    const declared = access.declared;
    return new DataError(
      `${verb}() may only read the tables declared for it (${
        declared.length > 0 ? declared.join(", ") : "none"
      }); table "${access.nameOf(rel) ?? rel}" is not declared`,
      { cause: err },
    );
  }
  if (/security-restricted operation/.test(msg)) {
    return new DataError(
      `${verb}() runs read-only SELECT statements only; ${msg}`,
      { cause: err },
    );
  }
  return new DataError(`${verb}() failed: ${msg}`, { cause: err });
}

/** A postgres.js query: lazy until executed, cancellable once it is. */
interface PgQuery<T> extends Promise<T> {
  execute(): unknown;
  cancel(): unknown;
}

/**
 * Runs `start()`'s query, cancelling it in the database when `signal`
 * aborts. A query cancelled before postgres.js hands it to the connection
 * would never settle, so an aborted signal never issues one, and the
 * listener is attached only once the query is on its way (postgres.js hands
 * it over a microtask after `execute()`, before any abort event can run).
 */
async function cancellable<T>(
  start: () => PgQuery<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal === undefined) return await start();
  if (signal.aborted) throw new Error("canceled before it started");
  const query = start();
  query.execute();
  const stop = () => void query.cancel();
  signal.addEventListener("abort", stop, { once: true });
  try {
    return await query;
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * Evaluates one SELECT (`?` parameters bound) as `runnel_sandbox` into a
 * materialized view and hands it to `use` inside the same transaction.
 * With `keep`, the transaction commits what `use` did (the view itself is
 * dropped); otherwise everything is rolled back.
 */
export async function withSandbox<T>(
  ctx: PgCtx,
  sql: string,
  params: unknown[],
  access: Access,
  verb: string,
  keep: boolean,
  use: (tx: AnySql, view: string) => Promise<T>,
  limits: SandboxLimits = {},
): Promise<T> {
  const { signal, timeoutMs, snapshot } = limits;
  if (snapshot !== undefined && !/^[0-9A-F-]+$/i.test(snapshot)) {
    throw new StoreError(`${verb}(): bad snapshot id ${snapshot}`);
  }
  const body = bindParams(statementBody(sql, verb), params ?? [], verb);
  await ensureSandbox(ctx);
  const rand = Array.from(
    crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const view = `${SANDBOX}.${qid("m_" + rand)}`;
  const grants = access.grants.join(", ");
  // One lock per granted relation, taken in one order (no deadlocks) and
  // held to the end of the transaction, as the grant's own row lock is.
  const keys = [...new Set(access.grants.map(key31))].sort((a, b) => a - b);
  try {
    // Imported first, as PostgreSQL requires: the statement reads the
    // snapshot's rows, of the versions it locks.
    const isolation = snapshot === undefined
      ? ""
      : "isolation level repeatable read";
    return await ctx.sql.begin(isolation, async (tx) => {
      if (snapshot !== undefined) {
        await run(tx, `SET TRANSACTION SNAPSHOT '${snapshot}'`, [], false);
      }
      if (grants !== "") {
        await run(
          tx,
          "SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int[]) AS k",
          [LOCK_CLASS_GRANT, `{${keys.join(",")}}`],
        );
        await run(tx, `GRANT SELECT ON ${grants} TO ${SANDBOX}`, [], false);
      }
      if (timeoutMs !== undefined) {
        // The server stops the statement itself, even if this process dies.
        await run(
          tx,
          `SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(timeoutMs))}`,
          [],
          false,
        );
      }
      await run(tx, `SET LOCAL ROLE ${SANDBOX}`, [], false);
      await run(
        tx,
        `CREATE MATERIALIZED VIEW ${view} AS SELECT q.*, row_number() OVER () AS ${
          qid(ORD_COL)
        } FROM (\n${body}\n) AS q WITH NO DATA`,
        [],
        false,
      );
      await run(tx, "RESET ROLE", [], false);
      await cancellable(
        () =>
          tx.unsafe(`REFRESH MATERIALIZED VIEW ${view}`, [], {
            prepare: false,
          }) as unknown as PgQuery<unknown>,
        signal,
      );
      await run(tx, "SELECT pg_advisory_unlock_all()", [], false);
      const wrote = await run(
        tx,
        `SELECT 1 FROM pg_largeobject_metadata WHERE lomowner = '${SANDBOX}'::regrole LIMIT 1`,
        [],
        false,
      );
      if (wrote.length > 0) {
        throw new DataError(
          `${verb}() runs read-only SELECT statements only; creating large objects is not allowed`,
        );
      }
      const out = await use(tx, view);
      if (!keep) throw new Rollback(out);
      await run(tx, `DROP MATERIALIZED VIEW ${view}`, [], false);
      if (grants !== "") {
        await run(tx, `REVOKE SELECT ON ${grants} FROM ${SANDBOX}`, [], false);
      }
      return out;
    }) as T;
  } catch (err) {
    if (err instanceof Rollback) return err.value as T;
    if (
      codeOf(err) === "57014" && (signal?.aborted || timeoutMs !== undefined)
    ) {
      throw new SqlTimeoutError(
        `${verb}() was stopped: ${
          signal?.aborted
            ? "the node's time ran out or it was stopped"
            : `it ran longer than ${Math.ceil(timeoutMs! / 1000)} s`
        }`,
        { cause: err },
      );
    }
    throw sandboxError(err, access, verb, ctx.location);
  }
}
