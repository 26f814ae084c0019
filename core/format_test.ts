import assert from "node:assert/strict";
import { formatCount, formatDuration, formatTable } from "./format.ts";

Deno.test("formatCount: thousands separators, whatever the locale", () => {
  assert.equal(formatCount(0), "0");
  assert.equal(formatCount(999), "999");
  assert.equal(formatCount(1234567), "1,234,567");
  assert.equal(formatCount(-1500), "-1,500");
});

Deno.test("formatDuration: ms, seconds, minutes, hours", () => {
  assert.equal(formatDuration(850.4), "850ms");
  assert.equal(formatDuration(1234), "1.23s");
  assert.equal(formatDuration(12_345), "12.3s");
  assert.equal(formatDuration(125_000), "2m 05s");
  assert.equal(formatDuration(3_720_000), "1h 02m");
});

Deno.test("formatTable: columns padded to the widest cell", () => {
  assert.deepEqual(formatTable(["a", "bb"], [["xyz", "1"], ["q"]]), [
    "a    bb",
    "---  --",
    "xyz  1",
    "q",
  ]);
});
