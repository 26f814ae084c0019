/**
 * Messages from a worker are untrusted input: node code can post anything
 * structured clone carries (BigInts, cycles, Maps, objects whose
 * `toString` throws). {@link readWorkerMessage} accepts only the shapes
 * of the protocol, with plain values, and says what is wrong otherwise;
 * the host then fails that node and nothing else.
 *
 * @module
 */

import { jsonProblem, kindOf } from "../schema/json.ts";
import type { TableOp, WireError, WorkerMessage } from "./protocol.ts";

const OPS: ReadonlySet<string> = new Set<TableOp>([
  "describe",
  "init",
  "append",
  "upsert",
  "replace",
  "truncate",
  "read",
  "count",
  "exists",
  "readSql",
]);

const LEVELS: ReadonlySet<string> = new Set(["debug", "info", "warn", "error"]);

/** The longest text accepted for names in messages (ports, error names). */
const MAX_NAME = 1_000;

/** A worker message after checking, or why it was refused. */
export type ReadMessage =
  | { ok: true; msg: WorkerMessage }
  | { ok: false; error: string };

const refuse = (error: string): ReadMessage => ({ ok: false, error });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function wireError(v: unknown): WireError | undefined {
  if (!isPlainObject(v)) return undefined;
  const { name, message, stack } = v;
  if (typeof name !== "string" || typeof message !== "string") return undefined;
  if (stack !== undefined && typeof stack !== "string") return undefined;
  return {
    name: name.slice(0, MAX_NAME),
    message,
    ...(stack === undefined ? {} : { stack }),
  };
}

/**
 * Checks one message a worker posted during the node run whose token is
 * `token`: its shape first, then that it carries the token (a message
 * without it was not sent by the run's SDK).
 */
export function readWorkerMessage(data: unknown, token: string): ReadMessage {
  const read = readShape(data);
  if (read.ok && read.msg.x !== token) {
    return refuse(
      "sent a message that did not come from its SDK (raw postMessage, or code left running by another node)",
    );
  }
  return read;
}

function readShape(data: unknown): ReadMessage {
  if (!isPlainObject(data) || typeof data.t !== "string") {
    return refuse(`sent ${kindOf(data)} instead of a protocol message`);
  }
  const x = typeof data.x === "string" ? data.x : "";
  switch (data.t) {
    case "call": {
      const { id, op, port } = data;
      if (!Number.isSafeInteger(id) || (id as number) < 0) {
        return refuse("sent a table call without a valid id");
      }
      if (typeof op !== "string" || !OPS.has(op)) {
        return refuse("sent a table call for an unknown operation");
      }
      if (typeof port !== "string" || port.length > MAX_NAME) {
        return refuse("sent a table call without a port name");
      }
      return {
        ok: true,
        msg: {
          t: "call",
          x,
          id: id as number,
          op: op as TableOp,
          port,
          args: data.args,
        },
      };
    }
    case "log": {
      const { level, message } = data;
      if (typeof level !== "string" || !LEVELS.has(level)) {
        return refuse(
          `sent a log line with an unknown level (${kindOf(level)})`,
        );
      }
      if (typeof message !== "string") {
        return refuse(
          `sent a log line whose message is ${kindOf(message)}, not text`,
        );
      }
      return {
        ok: true,
        msg: { t: "log", x, level: level as "info", message },
      };
    }
    case "state": {
      const { state } = data;
      if (!isPlainObject(state)) {
        return refuse(`sent a state that is ${kindOf(state)}, not an object`);
      }
      const problem = jsonProblem(state);
      if (problem !== undefined) {
        return refuse(`sent a state that is not JSON: ${problem}`);
      }
      return { ok: true, msg: { t: "state", x, state } };
    }
    case "done": {
      const { clean, why } = data;
      return {
        ok: true,
        msg: {
          t: "done",
          x,
          clean: clean === true,
          ...(typeof why === "string" ? { why: why.slice(0, MAX_NAME) } : {}),
        },
      };
    }
    case "stale": {
      const why = typeof data.why === "string" ? data.why : "unknown";
      return { ok: true, msg: { t: "stale", x, why: why.slice(0, MAX_NAME) } };
    }
    case "failed": {
      const error = wireError(data.error);
      if (error === undefined) {
        return refuse("reported a failure in a form the host cannot read");
      }
      return { ok: true, msg: { t: "failed", x, error } };
    }
    default:
      return refuse(
        `sent an unknown message type "${String(data.t).slice(0, 40)}"`,
      );
  }
}
