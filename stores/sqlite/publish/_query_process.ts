/**
 * A node's SQL on SQLite in a process of its own (its `readSql` queries, or
 * a `.sql` node's statement), so that the node's deadline holds:
 * node:sqlite cannot interrupt a statement, but a process can be killed
 * (SQLite rolls back what it had not committed and keeps the file sound),
 * and the host's thread is never held by a long statement meanwhile. One
 * process per node run that needs it, started on its first statement and
 * ended with the node. A store also keeps one, started on its first
 * order-index build, to build its indexes off the store's thread (see
 * `_order.ts`). Private to `stores/sqlite/`.
 *
 * @module
 */

import { childCommand, frame, readFrames } from "../../../core/frames.ts";
import type { Row } from "../../../core/schema/schema.ts";
import {
  DataError,
  NotFoundError,
  SqlTimeoutError,
  StoreError,
} from "../../../core/errors.ts";
import type { SqlLimits, TableDef } from "../../store.ts";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Access, openQueryConn, runQuery } from "../_query.ts";
import { HOST, type SqliteCtx } from "../_catalog.ts";
import { fileIdentity } from "../_file.ts";
import { registerHashFunction } from "../_hash.ts";
import type { Staged } from "../_physical.ts";
import { materializeStaged } from "./_materialize.ts";
import { buildOrderIndex, type IndexBuild } from "../_order.ts";
import type { SnapshotView } from "../_snapshot.ts";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K>
  : never;

const ENTRY = new URL("./_query_process.ts", import.meta.url);

/** An {@link Access} as data, to cross to the query process. */
interface PlainAccess {
  readable: string[];
  declared: string[];
  names: [string, string][];
  defs: [string, TableDef][];
  views?: SnapshotView[];
}

type SqlRequest =
  & { id: number; sql: string; params: unknown[]; access: PlainAccess }
  & (
    | { op: "query" }
    | {
      op: "materialize";
      table: string;
      lastId: number;
      owner: { pid: number; host: string };
    }
  );

type Owner = { pid: number; host: string };

/** A store's order index, built off its thread (see `_order.ts`). */
type IndexRequest = {
  id: number;
  op: "index";
  build: IndexBuild;
  owner: Owner;
};

type Request = SqlRequest | IndexRequest;

type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; name: string; message: string };

function plain(a: Access): PlainAccess {
  const names: [string, string][] = [];
  const defs: [string, TableDef][] = [];
  for (const p of a.readable) {
    const n = a.nameOf(p);
    if (n !== undefined) names.push([p, n]);
    const d = a.defOf?.(p);
    if (d !== undefined) defs.push([p, d]);
  }
  return {
    readable: [...a.readable],
    declared: a.declared,
    names,
    defs,
    views: a.views,
  };
}

function access(p: PlainAccess): Access {
  const names = new Map(p.names);
  const defs = new Map(p.defs);
  return {
    readable: new Set(p.readable),
    declared: p.declared,
    nameOf: (x) => names.get(x),
    defOf: (x) => defs.get(x),
    views: p.views,
  };
}

/** A write connection of the query process, creating staged tables for `owner`. */
function writeCtx(
  path: string,
  owner: { pid: number; host: string },
): SqliteCtx {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 10000");
  registerHashFunction(db);
  return {
    db,
    path,
    identity: fileIdentity(path) ?? "",
    stagingOwner: owner,
    closed: false,
    prepared: new Map(),
    writers: new Map(),
  };
}

/** Serves statements on the store at `path` until stdin closes (the child's side). */
export async function serveQueryProcess(path: string): Promise<void> {
  const qc = openQueryConn(path);
  let wctx: SqliteCtx | undefined;
  const out = Deno.stdout.writable.getWriter();
  await readFrames(Deno.stdin.readable, (raw) => {
    const r = raw as Request;
    let reply: Reply;
    try {
      let value: unknown;
      if (r.op === "index") {
        wctx ??= writeCtx(path, r.owner);
        value = buildOrderIndex(wctx, r.build);
      } else if (r.op === "query") {
        value = runQuery(qc, r.sql, r.params, access(r.access));
      } else {
        wctx ??= writeCtx(path, r.owner);
        value = materializeStaged(
          wctx,
          qc,
          r.table,
          r.sql,
          r.params,
          access(r.access),
          r.lastId,
        );
      }
      reply = { id: r.id, ok: true, value };
    } catch (err) {
      const e = err as Error;
      reply = { id: r.id, ok: false, name: e.name, message: e.message };
    }
    out.write(frame(reply)).catch(() => {});
  });
  qc.db.close();
  wctx?.db.close();
  await out.close().catch(() => {});
}

const ERRORS: Record<string, new (message: string) => Error> = {
  DataError,
  NotFoundError,
  StoreError,
};

/** The query process of the store at `path`. */
function command(path: string) {
  const dir = dirname(path);
  return childCommand({
    entry: ENTRY,
    command: "__sqlite-query",
    args: [path],
    // The store's folder: the file, and its -wal and -shm beside it.
    allow: [`--allow-read=${dir}`, `--allow-write=${dir}`],
  });
}

/** The parent's side: queries one at a time, stopped by killing the process. */
export class QueryProcess {
  readonly #child: Deno.ChildProcess;
  readonly #in: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();
  #next = 1;
  #dead: Error | undefined;

  constructor(path: string) {
    const { cmd, args, env } = command(path);
    this.#child = new Deno.Command(cmd, {
      args,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(this.#child.stderr).text().catch(() => "");
    this.#in = this.#child.stdin.getWriter();
    readFrames(this.#child.stdout, (raw) => {
      const r = raw as Reply;
      const p = this.#pending.get(r.id);
      if (p === undefined) return;
      this.#pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new (ERRORS[r.name] ?? Error)(r.message));
    }).catch(() => {});
    this.#child.status.then(async (status) => {
      if (this.#dead) return;
      const last = (await stderr).trim().split("\n").at(-1) ?? "";
      this.#end(
        new StoreError(
          `SQL failed: the node's query process ended unexpectedly (${
            status.signal ?? `exit code ${status.code}`
          })${last === "" ? "" : `: ${last}`}`,
        ),
      );
    });
  }

  #end(err: Error): void {
    this.#dead ??= err;
    for (const p of this.#pending.values()) p.reject(this.#dead);
    this.#pending.clear();
  }

  /** Runs one query; `limits` stop it by ending the process. */
  query(
    sql: string,
    params: unknown[],
    a: Access,
    limits: SqlLimits,
  ): Promise<Row[]> {
    return this.#call(
      { op: "query", sql, params, access: plain(a) },
      limits,
    ) as Promise<Row[]>;
  }

  /**
   * Materializes one SELECT into a new staged table of `table` (see
   * `materializeStaged`), registered as staged by this process.
   */
  materialize(
    table: string,
    sql: string,
    params: unknown[],
    a: Access,
    lastId: number,
    limits: SqlLimits,
  ): Promise<Staged> {
    return this.#call({
      op: "materialize",
      table,
      sql,
      params,
      access: plain(a),
      lastId,
      owner: { pid: Deno.pid, host: HOST },
    }, limits) as Promise<Staged>;
  }

  /** Builds a store's order index on this process's connection; true when it exists. */
  buildIndex(build: IndexBuild): Promise<boolean> {
    return this.#call({
      op: "index",
      build,
      owner: { pid: Deno.pid, host: HOST },
    }, {}) as Promise<boolean>;
  }

  /** Whether the process has ended (killed, or gone by itself). */
  get ended(): boolean {
    return this.#dead !== undefined;
  }

  #call(
    req: DistributiveOmit<Request, "id">,
    limits: SqlLimits,
  ): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#next++;
    const done = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#in.write(frame({ ...req, id } as Request)).catch(() => {});
    const stop = () =>
      this.kill(
        new SqlTimeoutError(
          `${req.op}() was stopped: the node's time ran out or it was stopped`,
        ),
      );
    const timer = limits.timeoutMs === undefined
      ? undefined
      : setTimeout(stop, limits.timeoutMs);
    limits.signal?.addEventListener("abort", stop, { once: true });
    return done.finally(() => {
      clearTimeout(timer);
      limits.signal?.removeEventListener("abort", stop);
    });
  }

  /** Ends the process; queries under way fail with `err`. */
  kill(err: Error = new StoreError("query() was stopped")): void {
    this.#end(err);
    this.#in.close().catch(() => {});
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

if (import.meta.main) await serveQueryProcess(Deno.args[0]!);
