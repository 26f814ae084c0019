/**
 * Advisory locks of the PostgreSQL store, all held by one session
 * connection per open store, so the server releases them when the process
 * (or its connection) dies:
 * - the liveness lock, keyed by a random instance number, tells other
 *   processes that this instance's staged tables are still in use;
 * - the run lock, keyed by database and schema, lets one run at a time
 *   write the store. Its holder sets `application_name` to its owner
 *   string, which is how waiters name it.
 * Private to `stores/postgres/`.
 *
 * @module
 */

import { InterruptedError, StoreError } from "../../core/errors.ts";
import type { LockOptions, StoreLock } from "../store.ts";
import { pgFailure, run, type Sql } from "./_connect.ts";
import {
  key31,
  LOCK_CLASS_LIVE,
  LOCK_CLASS_RUN,
  type PgCtx,
} from "./_catalog.ts";

const POLL_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The advisory locks of one open store. */
export class SessionLocks {
  readonly #ctx: PgCtx;
  readonly #session: Sql;
  readonly #runKey: number;
  /** Owner of the run lock while this instance holds it. */
  #owner: string | undefined;

  constructor(ctx: PgCtx, session: Sql) {
    this.#ctx = ctx;
    this.#session = session;
    this.#runKey = key31(`${ctx.target.database}/${ctx.target.schema}`);
  }

  /** Takes the liveness lock (the first query of the session connection). */
  async start(): Promise<void> {
    await run(this.#session, "SELECT pg_advisory_lock($1, $2)", [
      LOCK_CLASS_LIVE,
      this.#ctx.instance,
    ]);
  }

  #reviving: Promise<void> | undefined;

  /**
   * After the session connection was lost (the server restarted or closed
   * it), takes the liveness lock again on a new one: work begun before the
   * loss stays refused (its generation is over), new work goes on as soon
   * as the server is back. Callers at the same moment share one attempt;
   * a failed attempt leaves the store lost, and the next call tries again.
   */
  revive(): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx.lost || ctx.closed) return Promise.resolve();
    this.#reviving ??= (async () => {
      try {
        await this.start();
        ctx.lost = false;
        ctx.generation++;
      } finally {
        this.#reviving = undefined;
      }
    })();
    return this.#reviving;
  }

  /** Who holds the run lock, as best known. */
  async #holder(): Promise<string> {
    for (let i = 0; i < 5; i++) {
      if (this.#owner !== undefined) return this.#owner;
      const rows = await run<{ name: string | null; pid: number }>(
        this.#ctx.sql,
        `SELECT a.application_name AS name, l.pid
           FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2
            AND l.objsubid = 2 AND l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [LOCK_CLASS_RUN, this.#runKey],
      );
      const name = rows[0]?.name;
      if (name && name !== "runnel") return name;
      if (rows.length > 0 && i === 4) {
        return `another session (PostgreSQL pid ${rows[0]!.pid})`;
      }
      await sleep(20);
    }
    return "another session (owner unknown)";
  }

  /** Tries once; on success this instance holds the lock as `owner`. */
  async #try(owner: string): Promise<boolean> {
    // Session locks nest within a session: keep two callers of this
    // instance apart here.
    if (this.#owner !== undefined) return false;
    this.#owner = owner;
    try {
      const r = await run<{ ok: boolean }>(
        this.#session,
        "SELECT pg_try_advisory_lock($1, $2) AS ok",
        [LOCK_CLASS_RUN, this.#runKey],
      );
      if (r[0]?.ok === true) return true;
    } catch (err) {
      this.#owner = undefined;
      throw err;
    }
    this.#owner = undefined;
    return false;
  }

  /** Takes the run lock; see `Store.lock`. */
  async lock(opts: LockOptions): Promise<StoreLock> {
    const ctx = this.#ctx;
    const owner = String(opts?.owner ?? "").trim() || `pid ${Deno.pid}`;
    let waited = false;
    try {
      await this.revive();
      while (!(await this.#try(owner))) {
        if (ctx.closed) {
          throw new StoreError(
            `The store ${ctx.location} was closed while waiting for its run lock`,
          );
        }
        if (opts?.signal?.aborted) {
          throw new InterruptedError(
            `Stopped waiting for the run lock on ${ctx.location}: the run was interrupted before it started`,
          );
        }
        if (opts?.wait === false) {
          throw new StoreError(
            `Another run holds the lock on ${ctx.location}: ${await this
              .#holder()}; wait for it to finish or run again without --no-wait`,
          );
        }
        if (!waited) {
          waited = true;
          opts?.onWait?.(await this.#holder());
        }
        await sleep(POLL_MS);
      }
      await run(
        this.#session,
        "SELECT set_config('application_name', $1, false)",
        [owner],
      );
    } catch (err) {
      throw pgFailure("Cannot take the run lock", err, ctx.location);
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.#owner = undefined;
        if (ctx.closed) return;
        try {
          await run(
            this.#session,
            "SELECT set_config('application_name', 'runnel', false), pg_advisory_unlock($1, $2)",
            [LOCK_CLASS_RUN, this.#runKey],
          );
        } catch {
          // The connection is gone, and the lock with it.
        }
      },
    };
  }
}
