// One node run's log: how much it may keep (lines past the limits are
// counted, not kept, and one closing line says how much was left out),
// with secret values redacted, sent live as events and kept for the store.
// The same lines go to the store, the CLI and the dashboard, so a node that
// floods its log cannot fill the disk, the host's memory or a terminal.

import { formatCount } from "../format.ts";
import type { Redactor } from "../params/redact.ts";
import type { LogLevel, LogRecord } from "../../stores/store.ts";
import type { RunEvent } from "./types.ts";

/** Lines kept per node run. */
export const MAX_LOG_LINES = 10_000;
/** Characters kept per node run. */
export const MAX_LOG_CHARS = 1_048_576;
/** Characters kept of one line. */
export const MAX_LINE_CHARS = 16_384;

/** One node run's log allowance. */
export class LogBudget {
  #lines = 0;
  #chars = 0;
  #droppedLines = 0;
  #droppedChars = 0;

  /** The line to keep (cut short if long), or undefined once the allowance is spent. */
  take(message: string): string | undefined {
    let line = message;
    if (line.length > MAX_LINE_CHARS) {
      line = `${line.slice(0, MAX_LINE_CHARS)}… [${
        formatCount(message.length - MAX_LINE_CHARS)
      } more characters not kept]`;
    }
    if (
      this.#lines >= MAX_LOG_LINES || this.#chars + line.length > MAX_LOG_CHARS
    ) {
      this.#droppedLines++;
      this.#droppedChars += message.length;
      return undefined;
    }
    this.#lines++;
    this.#chars += line.length;
    return line;
  }

  /** The closing line when anything was left out. */
  summary(): string | undefined {
    if (this.#droppedLines === 0) return undefined;
    return `[log truncated: ${formatCount(this.#droppedLines)} more line(s), ${
      formatCount(this.#droppedChars)
    } characters, were not kept; a node run keeps at most ${
      formatCount(MAX_LOG_LINES)
    } lines and ${formatCount(MAX_LOG_CHARS)} characters of log]`;
  }
}

/** The log of one node run. */
export class NodeLog {
  /** The lines kept, for the store. */
  readonly records: LogRecord[] = [];
  readonly #budget = new LogBudget();

  constructor(
    private readonly runId: string,
    private readonly nodeId: string,
    private readonly now: () => Date,
    private readonly secrets: Redactor,
    private readonly emit: (e: RunEvent) => void,
  ) {}

  /** A line the node logged (or an error about it). */
  line = (level: LogLevel, text: string): void => {
    const kept = this.#budget.take(text);
    if (kept !== undefined) this.#keep(level, this.secrets.redact(kept));
  };

  /** Adds the closing line when anything was left out. */
  close(): void {
    const cut = this.#budget.summary();
    if (cut !== undefined) this.#keep("warn", cut);
  }

  #keep(level: LogLevel, message: string): void {
    const ts = this.now();
    const { runId, nodeId } = this;
    this.records.push({ runId, nodeId, ts, level, message });
    this.emit({ type: "log", runId, nodeId, level, message, ts });
  }
}
