/**
 * Redaction of secret parameter values (declared `secret: true`) from
 * free text: log lines, error messages, anything shown or stored.
 *
 * @module
 */

/** What replaces a secret value. */
export const MASK = "***";

/** Secret values shorter than this are not searched for in free text (they would mangle it). */
const MIN_REDACT = 4;

/** A set of secret values, and their redaction from text. */
export class Redactor {
  readonly #values = new Set<string>();
  #re: RegExp | undefined;

  /** Remembers values to redact (non-strings are stringified; short ones ignored). */
  add(...values: unknown[]): void {
    for (const v of values) {
      if (v === undefined || v === null) continue;
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) {
        const s = typeof item === "string" ? item : JSON.stringify(item);
        if (s === undefined || s.length < MIN_REDACT || this.#values.has(s)) {
          continue;
        }
        this.#values.add(s);
        this.#re = undefined;
      }
    }
  }

  /** Whether there is anything to redact. */
  get empty(): boolean {
    return this.#values.size === 0;
  }

  /** `text` with every known secret value replaced by {@link MASK}. */
  redact(text: string): string {
    if (this.#values.size === 0) return text;
    this.#re ??= new RegExp(
      [...this.#values].sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"),
      "g",
    );
    return text.replace(this.#re, MASK);
  }

  /** {@link redact} for an optional string. */
  redactOpt(text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.redact(text);
  }
}
