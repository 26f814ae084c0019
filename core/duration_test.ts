import assert from "node:assert/strict";
import { parseDuration } from "./duration.ts";

Deno.test("parseDuration: single units", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("10m"), 600_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("1.5s"), 1500);
});

Deno.test("parseDuration: combinations in descending order", () => {
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1m 30s"), 90_000);
  assert.equal(parseDuration("1h2m3s4ms"), 3_723_004);
  assert.equal(parseDuration("  2m  "), 120_000);
});

Deno.test("parseDuration: plain numbers are seconds", () => {
  assert.equal(parseDuration(90), 90_000);
  assert.equal(parseDuration("90"), 90_000);
  assert.equal(parseDuration(0.25), 250);
});

Deno.test("parseDuration: rejects zero, negatives and junk", () => {
  for (
    const bad of [
      0,
      -5,
      "0",
      "0s",
      "-5s",
      "",
      "forever",
      "10x",
      "s",
      "30m1h",
      "1m1m",
      "1h 30",
      "0.0001ms",
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]
  ) {
    assert.equal(
      parseDuration(bad),
      undefined,
      `expected ${bad} to be rejected`,
    );
  }
});
