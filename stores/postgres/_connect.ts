/**
 * Connections of the PostgreSQL store (postgres.js): the pool, the one
 * long-lived session connection, result parsers giving Runnel's canonical
 * JS values, and one-line errors for everything that can go wrong while
 * connecting or talking to the server. Private to `stores/postgres/`.
 *
 * @module
 */

import { connect as netConnect, type Socket } from "node:net";
import postgres from "npm:postgres@^3.4.5";
import { DataError, RunnelError, StoreError } from "../../core/errors.ts";
import type { PgTarget } from "./_url.ts";

/** A postgres.js client (pool or reserved connection). */
export type Sql = postgres.Sql;
/** A postgres.js transaction. */
export type Tx = postgres.TransactionSql;
/** A postgres.js client or transaction. */
export type AnySql = postgres.Sql | postgres.TransactionSql;

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX["0123456789abcdef".charCodeAt(i)] = i;
  HEX["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** `\x0a0b…` (bytea hex output) → bytes. */
export function parseBytea(text: string): Uint8Array {
  const n = (text.length - 2) >> 1;
  const out = new Uint8Array(n);
  for (let i = 0, j = 2; i < n; i++, j += 2) {
    out[i] = (HEX[text.charCodeAt(j)]! << 4) | HEX[text.charCodeAt(j + 1)]!;
  }
  return out;
}

/** int8 text → number when it is exact, else bigint. */
export function parseInt8(text: string): number | bigint {
  if (text.length < 16) return +text;
  const b = BigInt(text);
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

const TS_RE =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/** timestamptz/timestamp output (ISO style) → Date (milliseconds kept). */
export function parseTimestamp(text: string): Date {
  const m = TS_RE.exec(text);
  if (m === null) {
    if (text === "infinity") return new Date(8.64e15);
    if (text === "-infinity") return new Date(-8.64e15);
    return new Date(text);
  }
  let year = Number(m[1]);
  if (m[12] !== undefined) year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  const ms = Number(((m[7] ?? "") + "000").slice(0, 3));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), ms);
  if (m[8] !== undefined) {
    const off = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 +
      Number(m[11] ?? 0);
    return new Date(d.getTime() - (m[8] === "-" ? -1 : 1) * off * 1000);
  }
  return d;
}

const identity = (x: string) => x;

/** Parsers by type oid: canonical JS values, as the SQLite store gives them. */
const TYPES = {
  runnelInt8: { to: 20, from: [20], serialize: String, parse: parseInt8 },
  runnelNumeric: { to: 1700, from: [1700], serialize: String, parse: identity },
  runnelDate: { to: 1082, from: [1082], serialize: String, parse: identity },
  runnelTime: { to: 1083, from: [1083], serialize: String, parse: identity },
  runnelTimestamp: {
    to: 1184,
    from: [1184, 1114],
    serialize: (x: Date) => x.toISOString(),
    parse: parseTimestamp,
  },
  runnelBytea: {
    to: 17,
    from: [17],
    serialize: (x: Uint8Array) =>
      "\\x" + Array.from(x, (b) => b.toString(16).padStart(2, "0")).join(""),
    parse: parseBytea,
  },
};

/**
 * A connected TCP socket with Nagle's algorithm off: postgres.js leaves it
 * on, and a COPY's small closing message then waits for the server's
 * delayed ACK (about 40 ms per statement).
 */
function socketTo(t: PgTarget): () => Promise<Socket> {
  return () =>
    new Promise((resolve, reject) => {
      const s = netConnect({ host: t.host, port: t.port, noDelay: true });
      s.once("connect", () => {
        s.off("error", reject);
        resolve(s);
      });
      s.once("error", reject);
    });
}

/**
 * Opens a client. `max: 1` with no lifetime gives the session connection
 * that holds the store's advisory locks.
 */
export function connect(
  t: PgTarget,
  opts: { max: number; session?: boolean; onclose?: () => void },
): Sql {
  const options = {
    host: t.host,
    port: t.port,
    user: t.user,
    pass: t.password ?? "",
    database: t.database,
    ssl: t.ssl,
    socket: socketTo(t),
    max: opts.max,
    idle_timeout: opts.session ? 0 : 60,
    max_lifetime: opts.session ? 0 : 30 * 60,
    connect_timeout: 10,
    fetch_types: false,
    onnotice: () => {},
    onclose: opts.onclose,
    types: TYPES as unknown as Record<string, postgres.PostgresType>,
    connection: {
      application_name: "runnel",
      TimeZone: "UTC",
      DateStyle: "ISO, YMD",
      IntervalStyle: "postgres",
      extra_float_digits: 1,
      // As the SQLite store's WAL with synchronous=NORMAL: a commit is atomic
      // and survives a killed Runnel; only a crash of the server's machine
      // may lose the last fraction of a second of commits, which a rerun
      // recomputes. Waiting for a flush per statement would cost about a
      // millisecond each, more than most node executions.
      synchronous_commit: "off",
      search_path: `"${t.schema}"`,
    },
  };
  // `socket` is a documented option the type definitions lack.
  return postgres(
    options as unknown as postgres.Options<Record<string, never>>,
  ) as unknown as Sql;
}

/**
 * Runs one statement; `params` are sent as text and typed by the server.
 * On a {@link queueNow} connection it is queued now, not when first
 * awaited, so statements run in call order (see `_pipeline.ts`).
 */
export function run<T = Record<string, unknown>>(
  sql: AnySql,
  text: string,
  params: unknown[] = [],
  prepare = true,
): Promise<T[]> {
  const q = sql.unsafe(
    text,
    params as postgres.ParameterOrJSON<never>[],
    { prepare },
  );
  return (EAGER.has(sql) ? q.execute() : q) as unknown as Promise<T[]>;
}

const EAGER = new WeakSet<AnySql>();

/** Makes {@link run} queue statements on `sql` as soon as they are made. */
export function queueNow(sql: AnySql): void {
  EAGER.add(sql);
}

/** Quotes an identifier. */
export function qid(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The SQLSTATE or driver code of an error, if any. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" ? code : "";
}

const LOST = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNREFUSED",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
]);

/** True when the error means the server went away. */
export function isConnectionLoss(err: unknown): boolean {
  const code = codeOf(err);
  return LOST.has(code) || code.startsWith("08") ||
    /connection|terminat|socket/i.test(String((err as Error)?.message)) &&
      code === "";
}

/** The one-line error for a failure to connect to `t`, naming the fix. */
export function connectFailure(t: PgTarget, err: unknown): StoreError {
  const code = codeOf(err);
  const where = `${t.host}:${t.port}`;
  const msg = String((err as Error)?.message ?? err);
  let text: string;
  if (code === "ECONNREFUSED") {
    text =
      `Cannot connect to PostgreSQL at ${where}: connection refused. Is the server running and listening there? Start it, or fix the host and port in --store`;
  } else if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    text =
      `Cannot connect to PostgreSQL at ${where}: unknown host "${t.host}"; fix the host in --store`;
  } else if (code === "CONNECT_TIMEOUT" || code === "ETIMEDOUT") {
    text =
      `Cannot connect to PostgreSQL at ${where}: no answer within 10 seconds; check the host, port and firewall`;
  } else if (code === "28P01") {
    text =
      `PostgreSQL at ${where} refused the password of user "${t.user}"; fix the password in --store or PGPASSWORD`;
  } else if (code === "28000") {
    text =
      `PostgreSQL at ${where} refused user "${t.user}" (${msg}); fix the user in --store, or allow it in pg_hba.conf`;
  } else if (code === "3D000") {
    text =
      `PostgreSQL database "${t.database}" does not exist on ${where}; create it (createdb ${t.database}) or fix the database name in --store`;
  } else if (code === "57P03") {
    text =
      `PostgreSQL at ${where} is starting up or shutting down; try again in a moment`;
  } else if (/SASL|password/i.test(msg)) {
    text =
      `PostgreSQL at ${where} asks user "${t.user}" for a password; put it in --store (postgres://user:password@…) or PGPASSWORD`;
  } else {
    text = `Cannot connect to PostgreSQL at ${where}: ${msg}`;
  }
  return new StoreError(text, { cause: err });
}

/**
 * Wraps an unexpected failure of `what` (e.g. `Cannot append to table
 * "x"`): data problems become DataErrors, a lost connection says so.
 */
export function pgFailure(
  what: string,
  err: unknown,
  location: string,
): RunnelError {
  if (err instanceof RunnelError) return err;
  const code = codeOf(err);
  const msg = String((err as Error)?.message ?? err);
  if (isConnectionLoss(err)) {
    return new StoreError(
      `${what}: lost the connection to PostgreSQL (${location}): ${msg}; the server may have restarted, run again`,
      { cause: err },
    );
  }
  if (code.startsWith("22") || code.startsWith("23")) {
    return new DataError(`${what}: ${msg}`, { cause: err });
  }
  return new StoreError(`${what}: ${msg}`, { cause: err });
}
