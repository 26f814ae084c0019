/**
 * Pipelined transactions of the PostgreSQL store: `BEGIN`, the statements
 * and `COMMIT` go to one reserved connection without waiting for each
 * answer, so a transaction costs about one round trip per step whose
 * statements depend on answers, instead of one per statement. PostgreSQL
 * runs them in order; once one fails, the rest fail (25P02) and `COMMIT`
 * ends the transaction as a rollback, so nothing of it is kept. A process
 * killed before `COMMIT` is sent leaves an open transaction that the
 * server rolls back when the connection drops. Private to
 * `stores/postgres/`.
 *
 * Pipelined statements should either have no parameters or keep the
 * same text (prepared on first use): postgres.js waits for the server to
 * describe an unprepared statement with parameters before sending the
 * next one, which is correct, only slower.
 *
 * @module
 */

import { StoreError } from "../../core/errors.ts";
import { type AnySql, connect, queueNow, run, type Sql } from "./_connect.ts";
import type { PgTarget } from "./_url.ts";

/**
 * Connections handed out one transaction at a time: single-connection
 * clients, opened on first need (postgres.js `reserve()` never resolves
 * when it has to open the connection and `fetch_types` is off).
 */
export class Connections {
  readonly #target: PgTarget;
  readonly #max: number;
  readonly #all: Sql[] = [];
  readonly #idle: Sql[] = [];
  readonly #waiting: ((sql: Sql) => void)[] = [];
  #ended = false;

  constructor(target: PgTarget, max: number) {
    this.#target = target;
    this.#max = max;
  }

  /** An idle connection (opened, or waited for when `max` are in use). */
  acquire(): Promise<Sql> {
    if (this.#ended) {
      return Promise.reject(new StoreError("The store is closed"));
    }
    const idle = this.#idle.pop();
    if (idle !== undefined) return Promise.resolve(idle);
    if (this.#all.length < this.#max) {
      const sql = connect(this.#target, { max: 1 });
      queueNow(sql);
      this.#all.push(sql);
      return Promise.resolve(sql);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Gives back a connection that {@link acquire} handed out. */
  release(sql: Sql): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(sql);
    else this.#idle.push(sql);
  }

  /** Closes every connection (waiting up to `timeout` seconds for their queries). */
  async end(timeout: number): Promise<void> {
    this.#ended = true;
    await Promise.allSettled(this.#all.map((sql) => sql.end({ timeout })));
  }
}

/** The failure of the first statement that failed, in sending order. */
async function firstFailure(sent: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(sent);
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

/** One transaction on a reserved connection, its statements pipelined. */
export class Pipeline {
  readonly #conns: Connections;
  readonly #conn: Sql;
  #sent: Promise<unknown>[] = [];
  #ended = false;

  private constructor(conns: Connections, conn: Sql) {
    this.#conns = conns;
    this.#conn = conn;
  }

  /**
   * Takes a connection of `conns` and sends `BEGIN` (with `mode`, e.g.
   * `isolation level repeatable read read only`); does not wait for it.
   */
  static async begin(conns: Connections, mode = ""): Promise<Pipeline> {
    const p = new Pipeline(conns, await conns.acquire());
    p.run(mode === "" ? "BEGIN" : `BEGIN ${mode}`, [], false);
    return p;
  }

  /**
   * The connection, for helpers that take a client: what they send joins
   * the pipeline in call order; pass their promises to {@link track}.
   */
  get sql(): AnySql {
    return this.#conn;
  }

  /** Sends one statement now; its answer comes with the others'. */
  run<T = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
    prepare = true,
  ): Promise<T[]> {
    return this.track(run<T>(this.#conn, text, params, prepare));
  }

  /** Counts `p` among this transaction's statements (its failure fails the commit). */
  track<T>(p: Promise<T>): Promise<T> {
    if (this.#ended) {
      throw new StoreError("This transaction has already ended");
    }
    p.catch(() => {}); // awaited by sync() or commit()
    this.#sent.push(p);
    return p;
  }

  /** Waits for every statement sent so far; throws the first failure. */
  async sync(): Promise<void> {
    await firstFailure(this.#sent);
  }

  /**
   * Sends `COMMIT`, waits for everything and releases the connection.
   * Throws the first failure, in which case nothing was committed.
   */
  async commit(): Promise<void> {
    const done = run(this.#conn, "COMMIT", [], false) as Promise<
      unknown[] & { command?: string }
    >;
    this.track(done);
    this.#ended = true;
    try {
      await firstFailure(this.#sent);
      // A failed transaction answers COMMIT with ROLLBACK.
      const tag = (await done).command;
      if (tag !== undefined && tag.toUpperCase() !== "COMMIT") {
        throw new StoreError("the transaction was rolled back");
      }
    } finally {
      this.#conns.release(this.#conn);
    }
  }

  /** Rolls back (best effort) and releases the connection. */
  async rollback(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    try {
      await Promise.allSettled(this.#sent);
      await run(this.#conn, "ROLLBACK", [], false);
    } catch {
      // the connection went away, and the transaction with it
    } finally {
      this.#conns.release(this.#conn);
    }
  }
}

/** Runs `fn` in a pipelined transaction: committed when it returns, rolled back when it throws. */
export async function pipelined<T>(
  pool: Connections,
  fn: (tx: Pipeline) => Promise<T> | T,
  mode = "",
): Promise<T> {
  const tx = await Pipeline.begin(pool, mode);
  let out: T;
  try {
    out = await fn(tx);
  } catch (err) {
    await tx.rollback();
    throw err;
  }
  await tx.commit();
  return out;
}
