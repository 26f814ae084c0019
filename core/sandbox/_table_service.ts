// Host-side handling of a worker's table calls: authorize against the node's
// declared ports, validate every argument (the worker is untrusted), then
// act on the node's publication.

import { DataError, NodeContractError } from "../errors.ts";
import { inputTables, type NodeSpec, outputTables } from "../graph/graph.ts";
import {
  coerceRows,
  formatCoercionFailure,
  normalizeSchema,
} from "../schema/schema.ts";
import type {
  Publication,
  ReadSnapshot,
  TableDef,
} from "../../stores/store.ts";
import { type CallMessage, WRITE_OPS } from "./protocol.ts";
import { renderTableRefs } from "../sql/refs.ts";

const MAX_BATCH = 100_000;
const MAX_READ = 100_000;

/** Answers one node's table calls. */
export class TableService {
  rowsWritten = 0;
  readonly #defs = new Map<string, TableDef | null>();

  /** Input tables read through the snapshot (not written by this node). */
  readonly #pinned: Set<string>;

  constructor(
    private readonly node: NodeSpec,
    private readonly pub: Publication,
    /** Stops the node's SQL when the node ends (done, failed, timed out, interrupted). */
    private readonly ended?: AbortSignal,
    /** When the node's time runs out (ms since the epoch). */
    private readonly deadline?: number,
    /** The node run's view of its inputs: every read of one sees the same rows. */
    private readonly snapshot?: ReadSnapshot,
  ) {
    this.#pinned = new Set(snapshot?.tables ?? []);
  }

  /** Handles a call; throws an error that goes back to the worker. */
  async handle(msg: CallMessage): Promise<unknown> {
    const table = this.#authorize(msg);
    switch (msg.op) {
      case "describe": {
        const def = await this.#def(table);
        return def ?? null;
      }
      case "exists":
        return (await this.#def(table)) !== null;
      case "init": {
        const def = this.#checkDef(table, msg.args);
        await this.pub.init(table, def);
        this.#defs.set(table, def);
        return null;
      }
      case "append":
      case "upsert": {
        const def = await this.#def(table);
        if (def === null) {
          throw new DataError(
            `Cannot write to table "${table}": it has no columns yet; call init({ schema }) first`,
          );
        }
        const rows = msg.args;
        if (!Array.isArray(rows) || rows.length > MAX_BATCH) {
          throw new DataError(
            `Cannot write to table "${table}": a batch must be an array of at most ${MAX_BATCH} rows`,
          );
        }
        const keys = def.uniqueOn.filter((c) =>
          c !== def.addMonotonicId && c !== def.addCreated
        );
        const result = coerceRows(def.schema, rows, keys);
        if ("failure" in result) {
          throw new DataError(formatCoercionFailure(table, result.failure));
        }
        const n = msg.op === "append"
          ? await this.pub.append(table, result.rows)
          : await this.pub.upsert(table, result.rows);
        this.rowsWritten += n;
        return n;
      }
      case "truncate":
        await this.pub.truncate(table);
        return null;
      case "read": {
        const offset = Number(msg.args?.offset ?? 0);
        const limit = Number(msg.args?.limit ?? MAX_READ);
        if (
          !Number.isSafeInteger(offset) || offset < 0 ||
          !Number.isSafeInteger(limit) || limit <= 0 || limit > MAX_READ
        ) {
          throw new DataError(
            `Cannot read table "${table}": offset must be ≥ 0 and limit between 1 and ${MAX_READ}`,
          );
        }
        if ((await this.#def(table)) === null) return [];
        if (this.#pinned.has(table)) {
          return await this.snapshot!.read(table, { offset, limit });
        }
        return await this.pub.read(table, { offset, limit });
      }
      case "count":
        if ((await this.#def(table)) === null) return 0;
        if (this.#pinned.has(table)) {
          return this.snapshot!.describe(table)?.rowCount ?? 0;
        }
        return await this.pub.count(table);
      case "readSql":
        return await this.#readSql(table, msg.args);
      default:
        throw new NodeContractError(
          `Node "${this.node.title}" asked for unknown table operation ${
            JSON.stringify(msg.op)
          }`,
        );
    }
  }

  #authorize(msg: CallMessage): string {
    const port = String(msg.port);
    const isOut = Object.hasOwn(this.node.outputs, port);
    const isIn = Object.hasOwn(this.node.inputs, port);
    if (WRITE_OPS.has(msg.op) && !isOut) {
      throw new NodeContractError(
        `Node "${this.node.title}" may not write table port "${port}": it is not one of its outputs; add "${port}" under outputs: of this function in graph.yml`,
      );
    }
    if (!isOut && !isIn) {
      throw new NodeContractError(
        `Node "${this.node.title}" may not read table port "${port}": it is not one of its inputs; add "${port}" under inputs: of this function in graph.yml`,
      );
    }
    return (isOut ? this.node.outputs[port] : this.node.inputs[port])!;
  }

  async #def(table: string): Promise<TableDef | null> {
    if (!this.#defs.has(table)) {
      const info = this.#pinned.has(table)
        ? this.snapshot!.describe(table)
        : await this.pub.describe(table);
      this.#defs.set(
        table,
        info
          ? {
            schema: info.schema,
            uniqueOn: info.uniqueOn,
            addCreated: info.addCreated,
            addMonotonicId: info.addMonotonicId,
          }
          : null,
      );
    }
    return this.#defs.get(table)!;
  }

  #checkDef(table: string, raw: unknown): TableDef {
    const bad = (what: string): never => {
      throw new DataError(`Cannot init table "${table}": ${what}`);
    };
    if (typeof raw !== "object" || raw === null) {
      bad("options must be an object");
    }
    const r = raw as Record<string, unknown>;
    let schema;
    try {
      schema = normalizeSchema((r.schema ?? {}) as Record<string, unknown>);
    } catch (err) {
      return bad((err as Error).message);
    }
    const uniqueOn = Array.isArray(r.uniqueOn) ? r.uniqueOn : [];
    const def: TableDef = { schema, uniqueOn: [] };
    for (const c of uniqueOn) {
      if (typeof c !== "string" || !(c in schema)) {
        bad(`uniqueOn column ${JSON.stringify(c)} is not in the schema`);
      }
      def.uniqueOn.push(c as string);
    }
    for (const key of ["addCreated", "addMonotonicId"] as const) {
      const col = r[key];
      if (col === undefined || col === null) continue;
      const want = key === "addCreated" ? "DateTime" : "Integer";
      if (typeof col !== "string" || schema[col] !== want) {
        bad(`${key} must name a ${want} column of the schema`);
      }
      def[key] = col as string;
    }
    if (Object.keys(schema).length === 0) bad("the schema has no columns");
    return def;
  }

  async #readSql(table: string, args: unknown): Promise<unknown> {
    const a = (args ?? {}) as { sql?: unknown; params?: unknown };
    if (typeof a.sql !== "string") {
      throw new DataError(`readSql on table "${table}" needs an SQL string`);
    }
    const params = a.params === undefined ? [] : a.params;
    if (!Array.isArray(params)) {
      throw new DataError(
        `readSql on table "${table}": params must be an array`,
      );
    }
    const declared = [
      ...new Set([...inputTables(this.node), ...outputTables(this.node)]),
    ];
    // Committed inputs are named (and read) as the node's snapshot shows
    // them, like every other read; tables its stage writes, as staged.
    const nameOf = async (t: string) =>
      this.#pinned.has(t)
        ? this.snapshot!.sqlName(t)
        : await this.pub.sqlName(t);
    const sql = await renderTableRefs(a.sql, async (port) => {
      if (port === undefined) return await nameOf(table);
      const t = this.node.inputs[port] ?? this.node.outputs[port];
      if (t === undefined) {
        throw new NodeContractError(
          `Node "${this.node.title}": readSql refers to Table("${port}"), which is not one of its ports; declare it under inputs: in graph.yml`,
        );
      }
      return await nameOf(t);
    });
    return await this.pub.query(sql, params, declared, {
      signal: this.ended,
      timeoutMs: this.deadline === undefined
        ? undefined
        : Math.max(1, this.deadline - Date.now()),
      snapshot: this.snapshot,
    });
  }
}
