/**
 * Human durations as written in graph.yml (`timeout: 1h30m`).
 *
 * @module
 */

const UNIT_MS: Record<string, number> = {
  h: 60 * 60 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
};

/** Units in the only order they may appear in (`1h30m`, not `30m1h`). */
const UNIT_ORDER = ["h", "m", "s", "ms"];

const PART = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)/y;
const PLAIN = /^\d+(?:\.\d+)?$/;

/**
 * Parses a duration into milliseconds.
 *
 * Accepts `500ms`, `30s`, `10m`, `2h`, combinations in descending unit order
 * (`1h30m`, `1m 30s`) and plain numbers, which count as seconds (`90`, `"1.5"`).
 * Returns `undefined` for anything else, and for durations that are zero,
 * negative or round to less than one millisecond.
 */
export function parseDuration(s: string | number): number | undefined {
  if (typeof s === "number") return positiveMs(s * 1000);
  if (typeof s !== "string") return undefined;
  const text = s.trim();
  if (text === "") return undefined;
  if (PLAIN.test(text)) return positiveMs(Number(text) * 1000);

  let total = 0;
  let lastUnit = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (m === null) return undefined;
    const unit = m[2] ?? "";
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastUnit) return undefined;
    lastUnit = rank;
    total += Number(m[1]) * (UNIT_MS[unit] ?? 0);
    // Allow whitespace between parts: `1h 30m`.
    while (text[PART.lastIndex] === " ") PART.lastIndex++;
  }
  return positiveMs(total);
}

function positiveMs(ms: number): number | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const rounded = Math.round(ms);
  return rounded >= 1 ? rounded : undefined;
}
