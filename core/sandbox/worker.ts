/**
 * The worker entry point: runs nodes, one at a time, inside a
 * permission-restricted Deno Worker. For each `start` it imports the node
 * module, builds a fresh {@link NodeContext}, calls the default export,
 * flushes pending writes and reports back; the host may then give the same
 * worker the next node whose sandbox is exactly the same.
 *
 * What keeps one node's run apart from the next in a warm worker:
 * - every run has a secret token; the worker's messages carry it and the
 *   host accepts no other, so code a node left behind cannot speak for the
 *   next node, and a node's raw `postMessage` is refused;
 * - the worker's own listener sees every message first and stops it there,
 *   so node code never sees a start message (another node's parameters,
 *   state or token);
 * - a node's context is revoked when the node ends: its tables, parameters,
 *   state and log refuse every later use, wherever a reference was kept;
 * - a node that leaves anything behind (timers, listeners, a denied
 *   permission) reports its worker unclean, and the host retires it; one
 *   that changed globals or built-ins, or code that ran while the worker
 *   idled, makes the worker refuse the next node ("stale"), which the host
 *   then runs in a fresh worker (see `_guard.ts`).
 *
 * Listed for `deno compile --include`; it must only import pure modules.
 *
 * @module
 */

import { decode, encode } from "../codec.ts";
import { NodeContractError } from "../errors.ts";
import type { NodeContext, ParameterOptions, Table } from "./node_context.ts";
import {
  coerceParameter,
  inferParameterType,
  type ParameterType,
} from "../params/params.ts";
import { WorkerTable } from "./_sdk_table.ts";
import { installGuard } from "./_guard.ts";
import {
  type HostMessage,
  type StartMessage,
  type TableOp,
  toWireError,
} from "./protocol.ts";

// deno-lint-ignore no-explicit-any
const scope = self as any;
const postBytes: (m: unknown, transfer: ArrayBuffer[]) => void = scope
  .postMessage.bind(scope);
// Messages cross as serialized bytes: the sandbox process relays them
// without reading them, so rows are serialized once and read once.
const rawPost = (m: unknown): void => {
  const bytes = encode(m);
  postBytes(bytes, [bytes.buffer as ArrayBuffer]);
};
const closeWorker: () => void = scope.close.bind(scope);

/** One node run in this worker. */
interface Execution {
  token: string;
  title: string;
  pending: Record<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >;
  nextId: number;
  /** Reported done or failed: its context is revoked. */
  finished: boolean;
}

let current: Execution | undefined;
/** Node runs started in this worker. */
let runs = 0;
/** Module URLs imported so far: a second import of one gets a fresh URL. */
const imported: Record<string, true> = Object.create(null);

function post(ex: Execution, msg: Record<string, unknown>): void {
  rawPost({ ...msg, x: ex.token });
}

function ended(ex: Execution): NodeContractError {
  return new NodeContractError(
    `Node "${ex.title}": its context was used after the node ended; keep no reference to ctx (or its tables) beyond the function's return`,
  );
}

function fail(ex: Execution, message: string, stack?: string): void {
  if (ex.finished) return;
  ex.finished = true;
  post(ex, { t: "failed", error: { name: "Error", message, stack } });
}

/** Reports trouble: to the running node, or by tainting an idle worker. */
function trouble(message: string, stack?: string): void {
  if (current !== undefined && !current.finished) fail(current, message, stack);
  else guard.taint(`code kept running after its node ended: ${message}`);
}

function rebuildError(e: { name: string; message: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

// A node that exits, closes its worker, throws asynchronously or leaves a
// rejected promise is reported as failed at once instead of going silent.
Object.defineProperty(Deno, "exit", {
  configurable: true,
  value: (code?: number) => {
    trouble(
      `the node called Deno.exit(${
        code ?? ""
      }); return from the function instead`,
    );
    closeWorker();
  },
});
scope.close = () => {
  trouble(
    "the node closed its worker (self.close()); return from the function instead",
  );
  closeWorker();
};
self.addEventListener("error", (e: ErrorEvent) => {
  e.preventDefault();
  trouble(e.message, toWireError(e.error).stack);
});
self.addEventListener("unhandledrejection", (e: PromiseRejectionEvent) => {
  e.preventDefault();
  const err = toWireError(e.reason);
  trouble(`unhandled promise rejection: ${err.message}`, err.stack);
});
// Registered before any node code: it sees every message first, and no
// listener a node adds ever sees one.
scope.addEventListener("message", (ev: MessageEvent<unknown>) => {
  ev.stopImmediatePropagation();
  const msg =
    (ev.data instanceof Uint8Array ? decode(ev.data) : ev.data) as HostMessage;
  if (msg.t === "reply") {
    const ex = current;
    if (ex === undefined || msg.x !== ex.token) {
      return;
    }
    const p = ex.pending[msg.id];
    if (!p) {
      return;
    }
    delete ex.pending[msg.id];
    if (msg.ok) {
      p.resolve(msg.value);
    } else p.reject(rebuildError(msg.error));
  } else if (msg.t === "start") {
    if (current !== undefined && !current.finished) {
      return;
    }
    // The worker idled since its last node: anything left running then
    // makes it unfit, and the host gives this node a fresh worker.
    const problem = runs > 0 ? guard.problem(true) : undefined;
    if (problem !== undefined) {
      rawPost({ t: "stale", x: msg.token, why: problem });
      return;
    }
    begin(msg);
  }
});

function format(args: unknown[]): string {
  return args.map((a) =>
    typeof a === "string" ? a : Deno.inspect(a, { depth: 4, colors: false })
  ).join(" ");
}

// console.* goes to the running node's log, once installed for all nodes.
for (
  const [name, level] of [
    ["log", "info"],
    ["info", "info"],
    ["debug", "debug"],
    ["warn", "warn"],
    ["error", "error"],
  ] as const
) {
  console[name] = (...args: unknown[]) => {
    const ex = current;
    if (ex !== undefined && !ex.finished) {
      post(ex, { t: "log", level, message: format(args) });
    } else guard.taint("code kept running after its node ended: it logged");
  };
}

const guard = installGuard(scope);

function begin(msg: StartMessage): void {
  runs++;
  guard.begin();
  const ex: Execution = {
    token: msg.token,
    title: msg.node.title,
    pending: Object.create(null),
    nextId: 1,
    finished: false,
  };
  current = ex;
  start(ex, msg).then(
    () => {
      if (ex.finished) return;
      ex.finished = true;
      const why = guard.problem(false);
      post(
        ex,
        why === undefined ? { t: "done", clean: true } : {
          t: "done",
          clean: false,
          why,
        },
      );
    },
    (err) => {
      if (ex.finished) return;
      ex.finished = true;
      post(ex, { t: "failed", error: toWireError(err) });
    },
  );
}

const TABLE_METHODS = [
  "init",
  "read",
  "readSql",
  "append",
  "upsert",
  "replace",
  "truncate",
  "flush",
  "recordCount",
  "exists",
] as const;

/** The node's view of a table: every method refuses once the node ended. */
function revocable(ex: Execution, t: WorkerTable): Table {
  const out: Record<string, unknown> = {};
  for (const m of TABLE_METHODS) {
    out[m] = (...a: unknown[]) =>
      ex.finished
        ? Promise.reject(ended(ex))
        // deno-lint-ignore no-explicit-any
        : (t[m] as (...a: unknown[]) => any)(...a);
  }
  out.readChunks = (size?: number) => {
    if (ex.finished) throw ended(ex);
    return t.readChunks(size);
  };
  return out as unknown as Table;
}

/** The module URL to import: a fresh one when this worker imported it before. */
function moduleUrlFor(url: string): string {
  if (imported[url] !== true) {
    imported[url] = true;
    return url;
  }
  // Re-evaluate the node's own module, as a fresh worker would (helpers it
  // imports stay shared: see the README).
  if (!/^(file|https?):/.test(url)) return url;
  return `${url}${url.includes("?") ? "&" : "?"}runnel-run=${runs}`;
}

async function start(ex: Execution, msg: StartMessage): Promise<void> {
  const state = structuredClone(msg.state);
  const tables = new Map<string, WorkerTable>();
  const where = `the function "${msg.node.title}" in graph.yml`;
  const live = () => {
    if (ex.finished) throw ended(ex);
  };
  const call = (op: TableOp, port: string, args: unknown): Promise<unknown> => {
    if (ex.finished) return Promise.reject(ended(ex));
    const id = ex.nextId++;
    return new Promise((resolve, reject) => {
      ex.pending[id] = { resolve, reject };
      post(ex, { t: "call", id, op, port, args });
    });
  };
  const logAt = (level: "debug" | "info" | "warn" | "error") =>
  (
    ...a: unknown[]
  ) => {
    live();
    post(ex, { t: "log", level, message: format(a) });
  };

  const ctx: NodeContext = {
    node: { ...msg.node },
    table(port: string, mode: "r" | "w" = "r"): Table {
      live();
      if (mode !== "r" && mode !== "w") {
        throw new NodeContractError(
          `Node "${msg.node.title}": table("${port}", "${mode}") has an unknown mode; use "r" to read or "w" to write`,
        );
      }
      const isOut = Object.hasOwn(msg.outputs, port);
      const isIn = Object.hasOwn(msg.inputs, port);
      if (mode === "w" && !isOut) {
        throw new NodeContractError(
          `Node "${msg.node.title}" writes table port "${port}", which is not one of its outputs: add "${port}" under outputs: of ${where}`,
        );
      }
      if (!isOut && !isIn) {
        throw new NodeContractError(
          `Node "${msg.node.title}" reads table port "${port}", which is not one of its inputs: add "${port}" under inputs: of ${where}`,
        );
      }
      const key = `${port}\u0000${mode}`;
      let t = tables.get(key);
      if (!t) {
        const name = (isOut ? msg.outputs[port] : msg.inputs[port])!;
        t = new WorkerTable(port, name, mode === "w", call, msg.batchRows);
        tables.set(key, t);
      }
      return revocable(ex, t);
    },
    parameter<T>(name: string, options: ParameterOptions = {}): T {
      live();
      const type = (options.type ?? inferParameterType(options.default)) as
        | ParameterType
        | undefined;
      const given = Object.hasOwn(msg.params, name)
        ? msg.params[name]
        : options.default;
      if (given === undefined) {
        throw new NodeContractError(
          `Node "${msg.node.title}" needs parameter "${name}" but none was given: pass --param ${name}=<value>, set it under parameters: of ${where}, or give it a default`,
        );
      }
      if (type === undefined) return given as T;
      try {
        return coerceParameter(type, given) as T;
      } catch (err) {
        const shown = msg.secretParams.includes(name) || options.secret
          ? "(secret)"
          : (err as Error).message;
        throw new NodeContractError(
          `Node "${msg.node.title}": parameter "${name}" of type ${type}: ${shown}`,
        );
      }
    },
    state: {
      get<T>(key: string, defaultValue?: T): T {
        live();
        return (Object.hasOwn(state, key) ? state[key] : defaultValue) as T;
      },
      set(key: string, value: unknown): void {
        live();
        try {
          state[key] = JSON.parse(JSON.stringify(value ?? null));
        } catch (err) {
          throw new NodeContractError(
            `Node "${msg.node.title}": state.set("${key}", …) needs a JSON value: ${
              (err as Error).message
            }`,
          );
        }
        post(ex, { t: "state", state });
      },
    },
    log: {
      debug: logAt("debug"),
      info: logAt("info"),
      warn: logAt("warn"),
      error: logAt("error"),
    },
  };

  const mod = await import(moduleUrlFor(msg.moduleUrl));
  const fn = mod.default;
  if (typeof fn !== "function") {
    throw new NodeContractError(
      `Node file of "${msg.node.title}" has no default export function: add "export default async function run(ctx) { … }"`,
    );
  }
  await fn(ctx);
  for (const t of tables.values()) await t.flush();
}
