/**
 * Human-readable formatting shared by the CLI, the runner and (later) the
 * dashboard.
 *
 * @module
 */

/** `850ms`, `1.2s`, `2m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) {
    return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  }
  return `${Math.floor(s / 3600)}h ${
    String(Math.floor((s % 3600) / 60)).padStart(2, "0")
  }m`;
}

// One formatter for every call: toLocaleString builds a new one each time.
const COUNT = new Intl.NumberFormat("en-US");

/** `1,234,567`. */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

const STATUS_ORDER = [
  "failed",
  "running",
  "succeeded",
  "cached",
  "skipped",
  "pending",
];

/** Counts of nodes by status, `1 failed, 2 succeeded`: the most telling status first. */
export function formatStatusCounts(
  counts: Readonly<Record<string, number | undefined>>,
): string {
  const known = STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0);
  const other = Object.keys(counts).filter((s) =>
    !STATUS_ORDER.includes(s) && (counts[s] ?? 0) > 0
  );
  return [...known, ...other].map((s) => `${counts[s]} ${s}`).join(", ");
}

/** How many of `items` have each status. */
export function countStatuses(
  items: Iterable<{ status: string }>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i.status] = (out[i.status] ?? 0) + 1;
  return out;
}

/** Renders rows as an aligned text table. Values are shown as the CLI prints them. */
export function formatTable(
  headers: string[],
  rows: string[][],
): string[] {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [
    line(headers),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ];
}

/** Shows a cell value compactly: dates as ISO, binaries by size, JSON inline, long text cut. */
export function formatCell(v: unknown, max = 60): string {
  let s: string;
  if (v === null || v === undefined) s = "";
  else if (v instanceof Date) s = v.toISOString();
  else if (v instanceof Uint8Array) s = `<${v.length} bytes>`;
  else if (typeof v === "object") s = JSON.stringify(v);
  else s = String(v);
  s = s.replace(/\s+/g, " ");
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}
