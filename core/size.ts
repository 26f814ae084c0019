/**
 * Memory sizes as graph.yml and the CLI take them: `512MB`, `1.5GB`, `2GiB`
 * or a plain number of MB (MB and GB mean MiB and GiB).
 *
 * @module
 */

/** Smallest heap limit accepted, in MiB. */
export const MIN_MEMORY_MB = 32;
/** Largest heap limit accepted, in MiB. */
export const MAX_MEMORY_MB = 65_536;

const UNITS: Record<string, number> = {
  "": 1,
  m: 1,
  mb: 1,
  mib: 1,
  g: 1024,
  gb: 1024,
  gib: 1024,
};

/**
 * A heap limit in MiB, or why `v` is not one (the text completes "… is ",
 * e.g. `not a size: use e.g. 512MB or 2GB`).
 */
export function parseMemoryMb(v: unknown): number | string {
  const m = typeof v === "number"
    ? [String(v), String(v), ""]
    : typeof v === "string"
    ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v)
    : null;
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    return "not a size: use e.g. 512MB or 2GB (MB and GB are MiB and GiB)";
  }
  const mb = Math.round(Number(m[1]) * unit);
  if (mb < MIN_MEMORY_MB || mb > MAX_MEMORY_MB) {
    return `out of range: give between ${MIN_MEMORY_MB}MB and ${
      MAX_MEMORY_MB / 1024
    }GB`;
  }
  return mb;
}
