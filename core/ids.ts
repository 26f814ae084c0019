/**
 * Run ids: sortable by start time, readable, and unique enough to type a
 * short prefix of (`runnel runs show 20261122-0315`).
 *
 * @module
 */

/** `20261122-031502-7f3a9c`: UTC start time plus 24 random bits. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-22T03:15:02.123Z
  const stamp = iso.slice(0, 10).replaceAll("-", "") + "-" +
    iso.slice(11, 19).replaceAll(":", "");
  const rand = crypto.getRandomValues(new Uint8Array(3));
  return `${stamp}-${
    [...rand].map((b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}
