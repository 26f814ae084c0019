import assert from "node:assert/strict";
import {
  countStatuses,
  formatCount,
  formatDuration,
  formatStatusCounts,
  formatTable,
} from "./format.ts";

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

Deno.test("formatStatusCounts: the most telling status first, zeros left out", () => {
  assert.equal(
    formatStatusCounts({ succeeded: 2, cached: 1, failed: 1, skipped: 0 }),
    "1 failed, 2 succeeded, 1 cached",
  );
  assert.equal(formatStatusCounts({}), "");
  assert.equal(formatStatusCounts({ odd: 1, pending: 2 }), "2 pending, 1 odd");
  assert.deepEqual(
    countStatuses([{ status: "cached" }, { status: "failed" }, {
      status: "cached",
    }]),
    { cached: 2, failed: 1 },
  );
});
