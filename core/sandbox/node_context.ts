/**
 * The API a node's default export receives. This file is the single source
 * of truth: the worker runtime implements it, and `runnel create app` writes
 * the same declarations as `runnel.d.ts` into the app so editors help without
 * an import that could fail at run time.
 *
 * @module
 */

/** Column type names (case-insensitive; `Datetime` is an alias of `DateTime`). */
export type ColumnTypeName =
  | "Boolean"
  | "Integer"
  | "Float"
  | "Decimal"
  | "Text"
  | "LongText"
  | "Binary"
  | "Date"
  | "DateTime"
  | "Datetime"
  | "Time"
  | "Json"
  | (string & Record<never, never>);

/** A row: column name → value. */
export type Row = Record<string, unknown>;

/** Options for {@link Table.init}. */
export interface TableInitOptions {
  /** Column → type. Without it the schema is inferred from the first rows written. */
  schema?: Record<string, ColumnTypeName>;
  /** Column(s) that identify a row; needed by `upsert`. */
  uniqueOn?: string | string[];
  /** DateTime column filled with the insert time when a row leaves it empty. */
  addCreated?: string;
  /** Integer column filled with 1, 2, 3, … when a row leaves it empty. */
  addMonotonicId?: string;
}

/** A table port. Writes are staged and become visible when the node succeeds. */
export interface Table {
  /** The port name used in code. */
  readonly port: string;
  /** The store table the port is bound to in graph.yml. */
  readonly name: string;
  init(options: TableInitOptions): Promise<void>;
  /** Every row, as plain objects. */
  read(): Promise<Row[]>;
  /** Rows in arrays of at most `size`. */
  readChunks(size?: number): AsyncIterable<Row[]>;
  /**
   * One read-only SELECT. `{{ this }}` names this table and
   * `{{ Table("port") }}` any other declared port; `?` placeholders bind `params`.
   */
  readSql(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Validates `rows` against the schema (throwing at once, with nothing of
   * the call written, if a value does not fit) and sends them to the host
   * in batches. Resolves when the rows are queued; `flush()` waits for them.
   */
  append(rows: Row | Row[]): Promise<void>;
  /** Like {@link append}, but inserts or updates by `uniqueOn`. */
  upsert(rows: Row | Row[]): Promise<void>;
  /** Replaces every row with `rows`. */
  replace(rows: Row | Row[]): Promise<void>;
  truncate(): Promise<void>;
  /** Waits until every buffered row has reached the host. */
  flush(): Promise<void>;
  recordCount(): Promise<number>;
  exists(): Promise<boolean>;
}

/** Parameter types. */
export type ParameterType =
  | "string"
  | "integer"
  | "float"
  | "boolean"
  | "date"
  | "datetime"
  | "list";

/** Declaration of a parameter, as passed to `parameter(name, options)`. */
export interface ParameterOptions {
  type?: ParameterType;
  default?: unknown;
  description?: string;
  /** Secret values never appear in logs, the API or the run record. */
  secret?: boolean;
}

/** JSON state kept per node across runs; saved only when the node succeeds. */
export interface NodeStateApi {
  get<T = unknown>(key: string, defaultValue?: T): T;
  set(key: string, value: unknown): void;
}

/** Captured, per-node-run logging. `console.*` is captured too. */
export interface NodeLog {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** What a node's default export receives. */
export interface NodeContext {
  /** Opens a port: `"r"` (default) to read, `"w"` to write. */
  table(port: string, mode?: "r" | "w"): Table;
  /** The resolved value of a parameter (CLI, then graph.yml, then the default). */
  parameter<T = unknown>(name: string, options?: ParameterOptions): T;
  state: NodeStateApi;
  log: NodeLog;
  /** The node's id and title, and the current run id. */
  node: { id: string; title: string; runId: string };
}
