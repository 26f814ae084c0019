/**
 * Runnel's error hierarchy. Every error names the thing, the place and the
 * fix; the CLI maps the class to an exit code (usage and graph errors → 2,
 * everything else → 1).
 *
 * @module
 */

/** A position in a source file, 1-based. */
export interface SourceLocation {
  /** Path as shown to the user (relative to the working directory when possible). */
  file: string;
  line: number;
  col: number;
}

/** Formats a location as `file:line:col`. */
export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** Base class of every error Runnel raises on purpose. */
export class RunnelError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line was used wrongly (unknown flag, missing argument). Exit 2. */
export class UsageError extends RunnelError {
  override readonly exitCode = 2;
}

/** One problem found in graph.yml, with its location. */
export interface GraphIssue {
  message: string;
  loc: SourceLocation;
}

/**
 * graph.yml is invalid. Carries every issue found, each with its location,
 * so the user can fix them all in one pass. Exit 2.
 */
export class GraphError extends RunnelError {
  override readonly exitCode = 2;
  readonly issues: GraphIssue[];
  constructor(issues: GraphIssue[], options?: ErrorOptions) {
    super(
      issues.map((i) => `${i.message} (${formatLocation(i.loc)})`).join("\n"),
      options,
    );
    this.issues = issues;
  }
}

/** The app directory or graph.yml could not be found. Exit 2. */
export class AppNotFoundError extends RunnelError {
  override readonly exitCode = 2;
}

/** A value does not fit its column, or a row does not fit its table. */
export class DataError extends RunnelError {}

/** A node broke the SDK contract (undeclared port, bad parameter, …). */
export class NodeContractError extends RunnelError {}

/** A node failed while running (threw, timed out, exited). */
export class NodeFailedError extends RunnelError {
  /** Stack trace reported by the worker, when there is one. */
  readonly nodeStack?: string;
  constructor(message: string, options?: ErrorOptions & { stack?: string }) {
    super(message, options);
    this.nodeStack = options?.stack;
  }
}

/** A SQL statement was stopped because its node's time ran out. */
export class SqlTimeoutError extends RunnelError {}

/** The store could not be opened, read or written. */
export class StoreError extends RunnelError {}

/** A requested record (run, table, node) does not exist. */
export class NotFoundError extends RunnelError {}

/** The user stopped the command (Ctrl+C) before it could finish. */
export class InterruptedError extends RunnelError {
  override readonly exitCode = 130;
}

/** Returns the exit code for any thrown value: 1 unless it is a RunnelError that says otherwise. */
export function exitCodeOf(err: unknown): number {
  return err instanceof RunnelError ? err.exitCode : 1;
}
