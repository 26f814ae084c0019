/**
 * The worker entry point: runs ONE node inside a permission-restricted Deno
 * Worker. It imports the node module, builds its {@link NodeContext}, calls
 * the default export, flushes pending writes and reports back.
 *
 * Listed for `deno compile --include`; it must only import pure modules.
 *
 * @module
 */

import { NodeContractError } from "../errors.ts";
import type { NodeContext, ParameterOptions, Table } from "./node_context.ts";
import {
  coerceParameter,
  inferParameterType,
  type ParameterType,
} from "../params/params.ts";
import { WorkerTable } from "./_sdk_table.ts";
import {
  type HostMessage,
  type StartMessage,
  type TableOp,
  toWireError,
  type WorkerMessage,
} from "./protocol.ts";

// deno-lint-ignore no-explicit-any
const scope = self as any;
const pending = new Map<
  number,
  { resolve: (v: unknown) => void; reject: (e: unknown) => void }
>();
let nextId = 1;

function post(msg: WorkerMessage): void {
  scope.postMessage(msg);
}

function call(op: TableOp, port: string, args: unknown): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    post({ t: "call", id, op, port, args });
  });
}

function rebuildError(e: { name: string; message: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

// A node that exits, closes its worker, throws asynchronously or leaves a
// rejected promise is reported as failed at once instead of going silent.
const closeWorker = scope.close.bind(scope);
let finished = false;
function fail(message: string, stack?: string): void {
  if (finished) return;
  finished = true;
  post({ t: "failed", error: { name: "Error", message, stack } });
}
Object.defineProperty(Deno, "exit", {
  configurable: true,
  value: (code?: number) => {
    fail(
      `the node called Deno.exit(${
        code ?? ""
      }); return from the function instead`,
    );
    closeWorker();
  },
});
scope.close = () => {
  fail(
    "the node closed its worker (self.close()); return from the function instead",
  );
  closeWorker();
};
self.addEventListener("error", (e: ErrorEvent) => {
  e.preventDefault();
  fail(e.message, toWireError(e.error).stack);
});
self.addEventListener("unhandledrejection", (e: PromiseRejectionEvent) => {
  e.preventDefault();
  const err = toWireError(e.reason);
  fail(`unhandled promise rejection: ${err.message}`, err.stack);
});

scope.onmessage = (ev: MessageEvent<HostMessage>) => {
  const msg = ev.data;
  if (msg.t === "reply") {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(rebuildError(msg.error));
  } else if (msg.t === "start") {
    start(msg).then(
      () => {
        if (!finished) {
          finished = true;
          post({ t: "done" });
        }
      },
      (err) => {
        if (!finished) {
          finished = true;
          post({ t: "failed", error: toWireError(err) });
        }
      },
    );
  }
};

function format(args: unknown[]): string {
  return args.map((a) =>
    typeof a === "string" ? a : Deno.inspect(a, { depth: 4, colors: false })
  ).join(" ");
}

function captureConsole(): void {
  const send =
    (level: "debug" | "info" | "warn" | "error") => (...args: unknown[]) =>
      post({ t: "log", level, message: format(args) });
  console.log = send("info");
  console.info = send("info");
  console.debug = send("debug");
  console.warn = send("warn");
  console.error = send("error");
}

async function start(msg: StartMessage): Promise<void> {
  captureConsole();
  const state = structuredClone(msg.state);
  const tables = new Map<string, WorkerTable>();
  const where = `the function "${msg.node.title}" in graph.yml`;

  const ctx: NodeContext = {
    node: msg.node,
    table(port: string, mode: "r" | "w" = "r"): Table {
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
      return t;
    },
    parameter<T>(name: string, options: ParameterOptions = {}): T {
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
        return (Object.hasOwn(state, key) ? state[key] : defaultValue) as T;
      },
      set(key: string, value: unknown): void {
        try {
          state[key] = JSON.parse(JSON.stringify(value ?? null));
        } catch (err) {
          throw new NodeContractError(
            `Node "${msg.node.title}": state.set("${key}", …) needs a JSON value: ${
              (err as Error).message
            }`,
          );
        }
        post({ t: "state", state });
      },
    },
    log: {
      debug: (...a: unknown[]) =>
        post({ t: "log", level: "debug", message: format(a) }),
      info: (...a: unknown[]) =>
        post({ t: "log", level: "info", message: format(a) }),
      warn: (...a: unknown[]) =>
        post({ t: "log", level: "warn", message: format(a) }),
      error: (...a: unknown[]) =>
        post({ t: "log", level: "error", message: format(a) }),
    },
  };

  const mod = await import(msg.moduleUrl);
  const fn = mod.default;
  if (typeof fn !== "function") {
    throw new NodeContractError(
      `Node file of "${msg.node.title}" has no default export function: add "export default async function run(ctx) { … }"`,
    );
  }
  await fn(ctx);
  for (const t of tables.values()) await t.flush();
}
