/**
 * Canonical bytes of the PostgreSQL store's rows: binary numerics, JSON
 * with sorted keys (as jsonb keeps it) and the 53-bit hash of a row's
 * encoded fields, from which content versions and key checks are computed. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import { canonicalDecimal } from "../../core/schema/canonical.ts";

/** A decimal as PostgreSQL's binary numeric holds it: base-10000 digits. */
export interface NumericParts {
  negative: boolean;
  /** Position of the first digit, in base-10000 places before the point. */
  weight: number;
  /** Digits after the decimal point (display scale). */
  scale: number;
  digits: number[];
}

/** The binary numeric of a decimal string, or why it has none. */
export function numericParts(v: string): NumericParts | string {
  const c = canonicalDecimal(v);
  if (c === undefined) return "is not a decimal number";
  let negative = c.startsWith("-");
  const body = negative ? c.slice(1) : c;
  const dot = body.indexOf(".");
  const int = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? "" : body.slice(dot + 1);
  const ints = "0".repeat((4 - int.length % 4) % 4) + int;
  const fracs = frac + "0".repeat((4 - frac.length % 4) % 4);
  const groups: number[] = [];
  for (let i = 0; i < ints.length; i += 4) groups.push(+ints.slice(i, i + 4));
  for (let i = 0; i < fracs.length; i += 4) {
    groups.push(+fracs.slice(i, i + 4));
  }
  let weight = ints.length / 4 - 1;
  let start = 0;
  while (start < groups.length && groups[start] === 0) {
    start++;
    weight--;
  }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  if (end === start) {
    weight = 0;
    negative = false;
  }
  if (weight > 32767 || weight < -32768 || frac.length > 16383) {
    return "is out of the range of PostgreSQL's numeric";
  }
  return {
    negative,
    weight,
    scale: frac.length,
    digits: groups.slice(start, end),
  };
}

/** JSON text with object keys sorted: equal for values jsonb stores alike. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${
      keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")
    }}`;
  }
  return JSON.stringify(v) ?? "null";
}

/**
 * A 53-bit hash of `bytes[start, end)`: a row's encoded user columns.
 * Binary COPY fields carry their lengths, so distinct rows have distinct
 * bytes; canonical values have one encoding, so a row read back and
 * encoded again hashes alike. Two 32-bit lanes take a word at a time,
 * then avalanche (as `_row_hash.ts` does for values).
 */
export function hashBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
): number {
  let a = 0x50675275 ^ (end - start);
  let b = 0x6e6e656c;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) |
      (bytes[i + 3]! << 24);
    a = Math.imul(a ^ w, 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ w, 0x85ebca77);
    b = (b << 17) | (b >>> 15);
  }
  if (i < end) {
    let w = 0;
    for (let k = 0; i < end; i++, k += 8) w |= bytes[i]! << k;
    a = Math.imul(a ^ w, 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ w, 0x85ebca77);
    b = (b << 17) | (b >>> 15);
  }
  a = mix(a ^ Math.imul(b, 0x27d4eb2f));
  b = mix(b ^ a);
  return (b & 0x1fffff) * 4294967296 + (a >>> 0);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
