/**
 * The Store interface: the only way Runnel's core touches persistent data.
 *
 * Domain-level on purpose: tables, publications, runs, logs and node state.
 * Nothing here is SQLite-specific; `stores/sqlite/mod.ts` and
 * `stores/postgres/mod.ts` implement it, and ONE contract suite
 * (`tests/store_contract_test.ts`) runs against every implementation.
 *
 * Types only: importing this file never loads a database driver.
 *
 * ## Versioned tables and publications
 * Every logical table points at one committed physical version. A
 * {@link Publication} builds new staged versions beside it, and
 * {@link Publication.commit} publishes every one it holds in one
 * transaction, so readers see either all of a publication or none of it. A
 * staged version that only appends rows to the committed one (same
 * definition, no truncate, upsert or materialize) is kept as those rows
 * alone, and the commit transaction appends them to the committed physical
 * version, at the cost of the rows appended; any other staged version is a
 * whole new physical version that replaces the committed one. Either way
 * readers keep seeing the previous rows until the commit. A failed node
 * discards its publication and no table changes. Staged versions orphaned
 * by a killed process are dropped the next time the store is opened.
 *
 * @module
 */

import type { Row, TableSchema } from "../core/schema/schema.ts";

/** The shape of a table, as declared by `table.init(...)` or inferred on first write. */
export interface TableDef {
  schema: TableSchema;
  /** Columns forming the unique key; empty when none. Upserts need it. */
  uniqueOn: string[];
  /** DateTime column the store fills with the insert time when a row leaves it null. Kept on upsert. */
  addCreated?: string;
  /** Integer column the store fills with 1, 2, 3, … (per table, never reused) when a row leaves it null. Kept on upsert. */
  addMonotonicId?: string;
}

/** A committed table as listed by the store. */
export interface TableInfo extends TableDef {
  name: string;
  rowCount: number;
  /** Increases by one with every commit that changed the table's contents. */
  version: number;
  /**
   * Content version: an opaque string that changes exactly when the
   * committed contents (rows as a multiset, or the definition) change. A
   * commit that writes identical contents leaves it — and `version` — as
   * they were, so the planner can cut off downstream work.
   */
  contentVersion: string;
  updatedAt: Date;
  /** Run and node that committed the current version. */
  runId?: string;
  nodeId?: string;
}

/** Options for reading rows. Rows come in insertion order unless `orderBy` says otherwise. */
export interface ReadOptions {
  offset?: number;
  limit?: number;
  /**
   * A total order: NULL is the smallest value (first ascending, last
   * descending), Decimals compare as numbers, Text by bytes, and ties keep
   * insertion order — reversed when the first column is descending, so a
   * descending order is exactly the reverse of the ascending one. A page
   * (`limit`) of a large table is served by an index the store builds the
   * first time that order is asked for. Json columns have no order: the
   * stores would disagree on one, so ordering by one is refused.
   */
  orderBy?: { column: string; desc?: boolean }[];
}

/** Node records of one run by status (statuses with none are left out). */
export type NodeStatusCounts = Partial<Record<NodeStatus, number>>;

/** Status of one node in one run. */
export type NodeStatus =
  | "pending"
  | "running"
  | "succeeded"
  | "cached"
  | "failed"
  | "skipped";

/** Status of a run as a whole. */
export type RunStatus = "running" | "succeeded" | "failed";

/** One `runnel run`. */
export interface RunRecord {
  id: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt?: Date;
  /** Node ids the user selected; empty means the whole graph. */
  selection: string[];
  /** `--param` values as given (secret values are never passed here). */
  params: Record<string, string>;
  /** How the run was started: `cli`, `api`, `schedule`, `webhook`, … */
  trigger: string;
}

/** One node within one run. */
export interface NodeRunRecord {
  runId: string;
  nodeId: string;
  title: string;
  file: string;
  status: NodeStatus;
  startedAt?: Date;
  finishedAt?: Date;
  durationMs?: number;
  rowsWritten: number;
  error?: string;
  /** Why the planner ran or skipped the node. */
  reason?: string;
}

/** Log severities a node can emit. Console output maps onto these. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One captured log line. */
export interface LogRecord {
  runId: string;
  nodeId: string;
  ts: Date;
  level: LogLevel;
  message: string;
}

/** Node state: JSON values by key, kept per node across runs. */
export type NodeState = Record<string, unknown>;

/** Result of committing a publication. */
export interface CommitSummary {
  /** Table name → committed version after the commit. */
  versions: Record<string, number>;
  /** Table name → content version after the commit. */
  contentVersions: Record<string, string>;
  /** Tables whose contents actually changed. */
  changed: string[];
}

/**
 * What the planner remembers about a node's last successful execution. It is
 * committed in the same transaction as the node's outputs, so a crash can
 * never leave a cache record that claims outputs which were not published.
 */
export interface NodeCacheRecord {
  nodeId: string;
  /** Hash over every component. */
  key: string;
  /** Component name (`code:helpers.ts`, `param:limit`, `input:raw_leads`, …) → hash or version. */
  components: Record<string, string>;
  runId: string;
  savedAt: Date;
}

/** A held run lock; see {@link Store.lock}. */
export interface StoreLock {
  release(): Promise<void>;
}

/** Options of {@link Store.lock}. */
export interface LockOptions {
  /** Who asks (shown to whoever waits), e.g. `run 20261122-… (pid 123)`. */
  owner: string;
  /** Wait for the holder to finish (default) or fail at once. */
  wait: boolean;
  /** Called once when the lock is busy and we start waiting, with the holder's owner string. */
  onWait?: (holder: string) => void;
  /** Gives up waiting when aborted (an {@link InterruptedError}). */
  signal?: AbortSignal;
}

/**
 * A set of staged writes that become visible together, or not at all.
 *
 * Rows passed in are already coerced to the canonical JS values of the
 * table's schema (see `core/schema/schema.ts`); the store only encodes them.
 * Reads through a publication see its own staged versions, and committed
 * data for every other table.
 */
export interface Publication {
  /**
   * Declares the shape of `table` for this publication. When it equals the
   * committed definition, later writes start from the committed rows;
   * otherwise the staged version starts empty.
   */
  init(table: string, def: TableDef): Promise<void>;
  /** Staged definition if any, else the committed one. */
  describe(table: string): Promise<TableInfo | undefined>;
  /** Appends rows. Throws DataError on a unique-key conflict; nothing of the batch is written. */
  append(table: string, rows: Row[]): Promise<number>;
  /** Inserts or updates by the table's unique key; needs `uniqueOn`. */
  upsert(table: string, rows: Row[]): Promise<number>;
  /** Removes every row of the staged version. */
  truncate(table: string): Promise<void>;
  /** Reads rows of the staged version if there is one, else committed rows. */
  read(table: string, opts?: ReadOptions): Promise<Row[]>;
  /** Row count of the staged version if there is one, else of the committed one (0 if none). */
  count(table: string): Promise<number>;
  /** The SQL identifier (quoted) that names `table`'s visible version inside {@link query}. */
  sqlName(table: string): Promise<string>;
  /**
   * Runs one read-only SELECT. Only the tables listed in `allowed` (logical
   * names) may be read; anything else is refused by the database engine.
   * Parameters are bound, `?` placeholders. With `opts.snapshot`, every
   * table it was opened for that this publication has not staged is read
   * as the snapshot sees it (name it with {@link ReadSnapshot.sqlName}).
   */
  query(
    sql: string,
    params: unknown[],
    allowed: string[],
    opts?: QueryOptions,
  ): Promise<Row[]>;
  /**
   * Replaces the staged version of `table` with the result of one SELECT
   * (run inside the database where the store can), with `?` parameters bound
   * and only the `allowed` tables readable (as for {@link query}). Column
   * types are inferred from the result. Returns the row count.
   */
  materialize(
    table: string,
    sql: string,
    params: unknown[],
    allowed: string[],
    opts?: SqlLimits,
  ): Promise<number>;
  /** Replaces a node's state; written in the same transaction as the tables. */
  setState(nodeId: string, state: NodeState): void;
  /** Saves a node's cache record in the same transaction as the tables. */
  setNodeCache(rec: NodeCacheRecord): void;
  /** Publishes every staged table and state atomically. */
  commit(owner: CommitOwner): Promise<CommitSummary>;
  /** Drops every staged version. Safe to call more than once, and after commit. */
  discard(): Promise<void>;
}

/**
 * How long one SQL statement may run. PostgreSQL cancels it when `signal`
 * aborts and stops it itself after `timeoutMs` (even if the process that
 * sent it died); SQLite checks both before it starts, and runs a statement
 * once started to its end.
 */
export interface SqlLimits {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Options of {@link Publication.query}. */
export interface QueryOptions extends SqlLimits {
  /**
   * A node run's snapshot, open until the query has ended: the committed
   * tables it was opened for are read exactly as it shows them, whatever
   * was committed since (appends, new versions, even a version collected
   * meanwhile). A snapshot of another store is refused.
   */
  snapshot?: ReadSnapshot;
}

/** A page of log lines: `limit` lines from the `offset`-th (0-based). */
export interface LogPage {
  offset: number;
  limit: number;
}

/** Who commits a publication, and the records that go with it. */
export interface CommitOwner {
  runId: string;
  /** The node, when the publication is one node's. */
  nodeId?: string;
  /**
   * Node-run records saved in the commit's own transaction, so that a
   * process killed right after publishing still leaves records that agree
   * with what it published.
   */
  nodeRuns?: NodeRunRecord[];
}

/**
 * One consistent view of committed tables for the length of a node run:
 * rows appended or versions published meanwhile (by webhooks, or by
 * another process) are not seen, by its reads or by SQL given it
 * ({@link QueryOptions.snapshot}); the versions it shows are kept until it
 * is closed. Close it when the node ends.
 */
export interface ReadSnapshot {
  /** The tables it was opened for. */
  readonly tables: readonly string[];
  /** The tables it was opened for, as it sees them; undefined for one never committed. */
  describe(table: string): TableInfo | undefined;
  /** Rows in insertion order (or `opts.orderBy`), as in `Store.readRows`. */
  read(table: string, opts?: ReadOptions): Promise<Row[]>;
  /**
   * The SQL identifier (quoted) that names `table` as this snapshot shows
   * it, inside {@link Publication.query} given this snapshot. Throws
   * NotFoundError for a table it does not show.
   */
  sqlName(table: string): string;
  /** Ends the snapshot; safe to call more than once. */
  close(): Promise<void>;
}

/** The persistent home of one app: its tables, history and state. */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Where the store lives, safe to print (no password). */
  readonly location: string;
  /**
   * The store's files on this machine (none for a database server). No node
   * is ever granted them: a worker runs in the host's process, and a file
   * descriptor opened and closed there would release SQLite's locks.
   */
  readonly localFiles: readonly string[];

  /** Committed tables, sorted by name. */
  listTables(): Promise<TableInfo[]>;
  /** A snapshot of the committed `tables` (see {@link ReadSnapshot}). */
  openSnapshot(tables: string[]): Promise<ReadSnapshot>;
  describeTable(name: string): Promise<TableInfo | undefined>;
  /** Committed rows of a table; throws NotFoundError when it does not exist. */
  readRows(name: string, opts?: ReadOptions): Promise<Row[]>;

  /** Starts a set of staged writes. */
  beginPublication(): Promise<Publication>;

  createRun(run: RunRecord): Promise<void>;
  updateRun(
    id: string,
    patch: Partial<Pick<RunRecord, "status" | "finishedAt">>,
  ): Promise<void>;
  /** Newest first. */
  listRuns(limit: number): Promise<RunRecord[]>;
  /** Exact id, or a unique prefix of one. Throws NotFoundError when ambiguous. */
  getRun(idOrPrefix: string): Promise<RunRecord | undefined>;
  /** Inserts or replaces the record for (runId, nodeId). */
  saveNodeRun(rec: NodeRunRecord): Promise<void>;
  /** Like {@link saveNodeRun} for many records, in one transaction. */
  saveNodeRuns(recs: NodeRunRecord[]): Promise<void>;
  /** In the order they were first saved. */
  listNodeRuns(runId: string): Promise<NodeRunRecord[]>;
  /**
   * How many node records of each status each of `runIds` has, in one
   * query; runs without node records (or unknown) are left out.
   */
  countNodeRuns(runIds: string[]): Promise<Map<string, NodeStatusCounts>>;
  appendLogs(logs: LogRecord[]): Promise<void>;
  /**
   * In the order they were appended: all of them, or the page `page`
   * (lines `offset` to `offset + limit - 1`).
   */
  listLogs(
    runId: string,
    nodeId?: string,
    page?: LogPage,
  ): Promise<LogRecord[]>;

  getState(nodeId: string): Promise<NodeState>;

  /** Last successful cache records of the given nodes (all nodes when omitted). */
  getNodeCache(nodeIds?: string[]): Promise<Map<string, NodeCacheRecord>>;

  /**
   * Takes the store's run lock: two runs never write one store at the same
   * time. Released by {@link StoreLock.release}, and automatically by the
   * operating system or database when the process dies. With `wait: false`
   * a busy lock throws a StoreError naming the holder.
   */
  lock(opts: LockOptions): Promise<StoreLock>;

  close(): Promise<void>;
}
