// Canonical text of Decimal and Time values: the form every store reads
// back, so a value round-trips unchanged whether the store keeps text
// (SQLite) or a typed column (PostgreSQL `numeric`, `time`). Private to
// core/schema/schema.ts and the stores.

const DECIMAL_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Largest exponent accepted; PostgreSQL's numeric holds 131072 integer digits. */
const MAX_EXPONENT = 140_000;

/**
 * Canonical decimal text: no exponent, no `+`, no leading zeros, the scale
 * (digits after the point) that the written value had once its exponent is
 * applied, and no negative zero. `"1.50e1"` → `"15.0"`, `"-0.00"` →
 * `"0.00"`, `".5"` → `"0.5"`, `"1e-3"` → `"0.001"`. Returns undefined for
 * text that is not a decimal number.
 */
export function canonicalDecimal(text: string): string | undefined {
  const m = DECIMAL_PARTS.exec(text.trim());
  if (m === null) return undefined;
  const int = m[2] ?? "";
  const frac = m[3] ?? "";
  if (int === "" && frac === "") return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_EXPONENT) {
    return undefined;
  }
  const digits = int + frac;
  const point = int.length + exp; // position of the point within `digits`
  const scale = Math.max(0, frac.length - exp);
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = "0";
    fraction = "0".repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + "0".repeat(point - digits.length);
    fraction = "";
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  fraction = fraction.length >= scale
    ? fraction.slice(0, scale)
    : fraction + "0".repeat(scale - fraction.length);
  whole = whole.replace(/^0+(?=\d)/, "");
  const zero = /^0*$/.test(whole) && /^0*$/.test(fraction);
  const sign = m[1] === "-" && !zero ? "-" : "";
  return sign + whole + (scale > 0 ? "." + fraction : "");
}

const TIME_PARTS = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,6}))?)?$/;

/**
 * Canonical time of day: `HH:MM:SS`, plus up to 6 fractional digits
 * without trailing zeros (`"12:00"` → `"12:00:00"`, `"08:30:00.250"` →
 * `"08:30:00.25"`). Returns undefined for anything else.
 */
export function canonicalTime(text: string): string | undefined {
  const m = TIME_PARTS.exec(text);
  if (m === null) return undefined;
  const frac = (m[4] ?? "").replace(/0+$/, "");
  return `${m[1]}:${m[2]}:${m[3] ?? "00"}${frac === "" ? "" : "." + frac}`;
}
