import assert from "node:assert/strict";
import { canonicalDecimal, canonicalTime } from "./canonical.ts";
import { coerceValue, INVALID } from "./schema.ts";

Deno.test("canonicalDecimal: the text PostgreSQL's numeric prints", () => {
  const cases: [string, string | undefined][] = [
    ["0", "0"],
    ["-0", "0"],
    ["-0.00", "0.00"],
    ["+5", "5"],
    ["007", "7"],
    [".5", "0.5"],
    ["5.", "5"],
    ["1.50", "1.50"],
    ["1.50e1", "15.0"],
    ["1.50E+2", "150"],
    ["15e-1", "1.5"],
    ["1e-3", "0.001"],
    ["-1.5e-10", "-0.00000000015"],
    ["1e21", "1000000000000000000000"],
    ["12345678901234567890.0123456789", "12345678901234567890.0123456789"],
    ["  2.5 ", "2.5"],
    ["1e999999", undefined],
    ["abc", undefined],
    [".", undefined],
    ["", undefined],
  ];
  for (const [text, want] of cases) {
    assert.equal(canonicalDecimal(text), want, text);
  }
});

Deno.test("canonicalTime: HH:MM:SS with at most 6 fractional digits", () => {
  assert.equal(canonicalTime("00:00"), "00:00:00");
  assert.equal(canonicalTime("23:59:59.999"), "23:59:59.999");
  assert.equal(canonicalTime("08:30:00.250000"), "08:30:00.25");
  assert.equal(canonicalTime("08:30:00.000"), "08:30:00");
  assert.equal(canonicalTime("08:30:00.1234567"), undefined);
  assert.equal(canonicalTime("24:00"), undefined);
});

Deno.test("coercion returns canonical Decimal, Time and Date values", () => {
  assert.equal(coerceValue("Decimal", "1e3"), "1000");
  assert.equal(coerceValue("Decimal", 0.1), "0.1");
  assert.equal(coerceValue("Decimal", 1e21), "1000000000000000000000");
  assert.equal(coerceValue("Decimal", "1e999999"), INVALID);
  assert.equal(coerceValue("Time", "7:00"), INVALID);
  assert.equal(coerceValue("Time", "07:00"), "07:00:00");
  assert.equal(coerceValue("Date", "0000-01-01"), INVALID);
});
