/**
 * The 53-bit row hash shared by the stores: a fast, well-mixed hash of a
 * row's values in schema order (SQLite stores it per row; both stores use
 * it for definition hashes). Private to `stores/`.
 *
 * @module
 */

import type { TableDef } from "./store.ts";

const T_NULL = 0x6e756c6c;
const T_INT = 0x696e7431;
const T_REAL = 0x7265616c;
const T_TEXT = 0x74657874;
const T_BLOB = 0x626c6f62;
const T_OTHER = 0x6f746872;
const TWO32 = 4294967296;
const INT64_MIN = -9223372036854775808;
const INT64_END = 9223372036854775808;
const C_A = 0x9e3779b1;
const C_B = 0x85ebca77;

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/**
 * Hashes `vals[start, start + n)`, one row's stored values in schema
 * order, to a non-negative 53-bit integer. Two 32-bit lanes absorb one
 * 32-bit word at a time (a bijection of the state per word, so rows that
 * differ in a single word never collide), then avalanche. Hot: the writer
 * calls it for every row, hence the inlined steps and local state.
 */
export function hashRow(
  vals: readonly unknown[],
  start: number,
  n: number,
): number {
  let a = 0x52756e6e;
  let b = 0x656c2121;
  const end = start + n;
  for (let i = start; i < end; i++) {
    let v = vals[i];
    let tag = T_TEXT;
    if (typeof v === "bigint") {
      if (v >= -9007199254740991n && v <= 9007199254740991n) v = Number(v);
      else if (v >= -(2n ** 63n) && v < 2n ** 63n) {
        const w0 = Number(BigInt.asUintN(32, v));
        const w1 = Number(BigInt.asIntN(32, v >> 32n));
        a = Math.imul(a ^ T_INT, C_A);
        a = (a << 13) | (a >>> 19);
        b = Math.imul(b ^ T_INT, C_B);
        b = (b << 17) | (b >>> 15);
        a = Math.imul(a ^ w0, C_A);
        a = (a << 13) | (a >>> 19);
        b = Math.imul(b ^ w0, C_B);
        b = (b << 17) | (b >>> 15);
        a = Math.imul(a ^ w1, C_A);
        a = (a << 13) | (a >>> 19);
        b = Math.imul(b ^ w1, C_B);
        b = (b << 17) | (b >>> 15);
        continue;
      }
    }
    if (typeof v === "number") {
      let t: number;
      let w0 = 0;
      let w1 = 0;
      if (v !== v) {
        t = T_NULL; // SQLite stores NaN as NULL
      } else if (Number.isInteger(v) && v >= INT64_MIN && v < INT64_END) {
        t = T_INT;
        w0 = v >>> 0;
        w1 = Math.floor(v / TWO32) | 0;
      } else {
        F64[0] = v;
        t = T_REAL;
        w0 = U32[0]!;
        w1 = U32[1]!;
      }
      a = Math.imul(a ^ t, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ t, C_B);
      b = (b << 17) | (b >>> 15);
      if (t === T_NULL) continue;
      a = Math.imul(a ^ w0, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ w0, C_B);
      b = (b << 17) | (b >>> 15);
      a = Math.imul(a ^ w1, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ w1, C_B);
      b = (b << 17) | (b >>> 15);
      continue;
    }
    if (v === null || v === undefined) {
      a = Math.imul(a ^ T_NULL, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ T_NULL, C_B);
      b = (b << 17) | (b >>> 15);
      continue;
    }
    if (v instanceof Uint8Array) {
      const len = v.length;
      a = Math.imul(a ^ T_BLOB, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ T_BLOB, C_B);
      b = (b << 17) | (b >>> 15);
      a = Math.imul(a ^ len, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ len, C_B);
      b = (b << 17) | (b >>> 15);
      for (let k = 0; k < len; k += 4) {
        const w = v[k]! | ((v[k + 1] ?? 0) << 8) | ((v[k + 2] ?? 0) << 16) |
          ((v[k + 3] ?? 0) << 24);
        a = Math.imul(a ^ w, C_A);
        a = (a << 13) | (a >>> 19);
        b = Math.imul(b ^ w, C_B);
        b = (b << 17) | (b >>> 15);
      }
      continue;
    }
    if (typeof v !== "string") {
      v = String(v);
      tag = T_OTHER;
    }
    let str = v as string;
    // SQLite stores text as UTF-8: lone surrogates become U+FFFD.
    if (!str.isWellFormed()) str = str.toWellFormed();
    const len = str.length;
    a = Math.imul(a ^ tag, C_A);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ tag, C_B);
    b = (b << 17) | (b >>> 15);
    a = Math.imul(a ^ len, C_A);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ len, C_B);
    b = (b << 17) | (b >>> 15);
    let k = 0;
    for (; k + 1 < len; k += 2) {
      const w = str.charCodeAt(k) | (str.charCodeAt(k + 1) << 16);
      a = Math.imul(a ^ w, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ w, C_B);
      b = (b << 17) | (b >>> 15);
    }
    if (k < len) {
      const w = str.charCodeAt(k);
      a = Math.imul(a ^ w, C_A);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ w, C_B);
      b = (b << 17) | (b >>> 15);
    }
  }
  a = fmix(a ^ Math.imul(b, 0x27d4eb2f));
  b = fmix(b ^ a);
  return (b & 0x1fffff) * TWO32 + (a >>> 0);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A hash of a normalized table definition (column order included). */
export function defHash(def: TableDef): string {
  const text = JSON.stringify([
    Object.entries(def.schema),
    def.uniqueOn,
    def.addCreated ?? null,
    def.addMonotonicId ?? null,
  ]);
  return hashRow([text], 0, 1).toString(36);
}
