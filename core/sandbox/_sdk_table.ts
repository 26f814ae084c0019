// The worker-side Table: validates and batches rows, then asks the host.
// The host checks everything again; this side only fails early and clearly.

import { DataError } from "../errors.ts";
import type { Row, Table, TableInitOptions } from "./node_context.ts";
import {
  coerceRows,
  formatCoercionFailure,
  inferSchema,
  normalizeSchema,
  type TableSchema,
} from "../schema/schema.ts";
import type { TableOp } from "./protocol.ts";

/** Sends one call to the host and resolves with its reply value. */
export type CallHost = (
  op: TableOp,
  port: string,
  args: unknown,
) => Promise<unknown>;

interface Def {
  schema: TableSchema;
  uniqueOn: string[];
  addCreated?: string;
  addMonotonicId?: string;
}

const MAX_IN_FLIGHT = 4;
const READ_PAGE = 10_000;

/** A port opened by `table(port, mode)` inside the worker. */
export class WorkerTable implements Table {
  #def: Def | undefined;
  #described = false;
  #inFlight: Promise<unknown>[] = [];
  #firstError: unknown;

  constructor(
    readonly port: string,
    readonly name: string,
    private readonly writable: boolean,
    private readonly call: CallHost,
    private readonly batchRows: number,
  ) {}

  async init(options: TableInitOptions): Promise<void> {
    this.#assertWritable("init");
    const o = options ?? {};
    let schema: TableSchema = {};
    try {
      schema = o.schema ? normalizeSchema(o.schema) : {};
    } catch (err) {
      throw new DataError(
        `Cannot init table "${this.name}": ${(err as Error).message}`,
      );
    }
    const uniqueOn = o.uniqueOn === undefined
      ? []
      : Array.isArray(o.uniqueOn)
      ? o.uniqueOn
      : [o.uniqueOn];
    const def: Def = { schema, uniqueOn };
    if (o.addCreated) {
      def.addCreated = o.addCreated;
      schema[o.addCreated] ??= "DateTime";
    }
    if (o.addMonotonicId) {
      def.addMonotonicId = o.addMonotonicId;
      schema[o.addMonotonicId] ??= "Integer";
    }
    for (const col of uniqueOn) {
      if (o.schema && !(col in schema)) {
        throw new DataError(
          `Cannot init table "${this.name}": uniqueOn column "${col}" is not in the schema (columns: ${
            Object.keys(schema).join(", ")
          })`,
        );
      }
    }
    await this.flush();
    // Without an explicit schema, columns are inferred from the first rows.
    if (Object.keys(schema).length === 0 || !o.schema) {
      this.#pendingInit = def;
      this.#def = undefined;
      this.#described = true;
      return;
    }
    await this.call("init", this.port, def);
    this.#def = def;
    this.#described = true;
  }

  #pendingInit: Def | undefined;

  async read(): Promise<Row[]> {
    const all: Row[] = [];
    for await (const chunk of this.readChunks(READ_PAGE)) all.push(...chunk);
    return all;
  }

  async *readChunks(size = 1000): AsyncIterable<Row[]> {
    if (!Number.isInteger(size) || size <= 0) {
      throw new DataError(
        `readChunks(size) of table "${this.name}" needs a positive integer, got ${size}`,
      );
    }
    await this.flush();
    for (let offset = 0;; offset += size) {
      const rows = await this.call("read", this.port, {
        offset,
        limit: size,
      }) as Row[];
      if (rows.length > 0) yield rows;
      if (rows.length < size) return;
    }
  }

  async readSql(sql: string, params: unknown[] = []): Promise<Row[]> {
    await this.flush();
    return await this.call("readSql", this.port, { sql, params }) as Row[];
  }

  append(rows: Row | Row[]): Promise<void> {
    return this.#write("append", rows);
  }

  upsert(rows: Row | Row[]): Promise<void> {
    return this.#write("upsert", rows);
  }

  async replace(rows: Row | Row[]): Promise<void> {
    const list = Array.isArray(rows) ? rows : [rows];
    this.#assertWritable("replace");
    await this.flush();
    // The rows define a table that was never initialised, as append's do.
    await this.#ensureDef(list);
    // The host answers a node's calls in order: the truncate need not be
    // waited for before the rows go (its error surfaces as a write's does).
    this.#inFlight.push(
      this.call("truncate", this.port, null).catch((err) => {
        this.#firstError ??= err;
      }),
    );
    await this.#write("append", list);
  }

  async truncate(): Promise<void> {
    this.#assertWritable("truncate");
    await this.flush();
    await this.#ensureDef([]);
    await this.call("truncate", this.port, null);
  }

  async flush(): Promise<void> {
    const pending = this.#inFlight;
    this.#inFlight = [];
    await Promise.all(pending);
    this.#throwPending();
  }

  async recordCount(): Promise<number> {
    await this.flush();
    return await this.call("count", this.port, null) as number;
  }

  async exists(): Promise<boolean> {
    await this.flush();
    return await this.call("exists", this.port, null) as boolean;
  }

  async #write(op: "append" | "upsert", input: Row | Row[]): Promise<void> {
    this.#assertWritable(op);
    this.#throwPending();
    const rows = Array.isArray(input) ? input : [input];
    if (rows.length === 0) return;
    const def = await this.#ensureDef(rows);
    if (op === "upsert" && def.uniqueOn.length === 0) {
      throw new DataError(
        `Cannot upsert into table "${this.name}": it has no unique key; call init({ uniqueOn: "<column>" }) first, or use append()`,
      );
    }
    const keyCols = def.uniqueOn.filter((c) =>
      c !== def.addMonotonicId && c !== def.addCreated
    );
    const result = coerceRows(def.schema, rows, keyCols);
    if ("failure" in result) {
      throw new DataError(formatCoercionFailure(this.name, result.failure));
    }
    const coerced = result.rows;
    for (let i = 0; i < coerced.length; i += this.batchRows) {
      const batch = coerced.slice(i, i + this.batchRows);
      const p = this.call(op, this.port, batch).catch((err) => {
        this.#firstError ??= err;
      });
      this.#inFlight.push(p);
      if (this.#inFlight.length >= MAX_IN_FLIGHT) {
        await this.#inFlight.shift();
        this.#throwPending();
      }
    }
    // Rows are validated; they reach the host in the background. Host-side
    // errors surface at the next call, at flush(), or when the node returns.
  }

  async #ensureDef(rows: Row[]): Promise<Def> {
    if (this.#def) return this.#def;
    if (!this.#described) {
      const info = await this.call("describe", this.port, null) as Def | null;
      this.#described = true;
      if (info) {
        this.#def = {
          schema: info.schema,
          uniqueOn: info.uniqueOn,
          addCreated: info.addCreated,
          addMonotonicId: info.addMonotonicId,
        };
        return this.#def;
      }
    }
    const base = this.#pendingInit ?? { schema: {}, uniqueOn: [] };
    const def: Def = {
      ...base,
      schema: { ...inferSchema(rows), ...base.schema },
    };
    if (Object.keys(def.schema).length === 0) {
      throw new DataError(
        `Cannot write to table "${this.name}": its columns are unknown; call init({ schema: { … } }) or write at least one row`,
      );
    }
    await this.call("init", this.port, def);
    this.#pendingInit = undefined;
    this.#def = def;
    return def;
  }

  #assertWritable(op: string): void {
    if (!this.writable) {
      throw new DataError(
        `Cannot ${op} table "${this.name}": port "${this.port}" was opened for reading; open it with table("${this.port}", "w")`,
      );
    }
  }

  #throwPending(): void {
    if (this.#firstError !== undefined) {
      const err = this.#firstError;
      this.#firstError = undefined;
      throw err;
    }
  }
}
