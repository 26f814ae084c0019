import assert from "node:assert/strict";
import { exactNumber } from "./_exact_number.ts";

Deno.test("exactNumber: numbers only where nothing is rounded", () => {
  assert.equal(exactNumber("2"), 2);
  assert.equal(exactNumber("-0.5"), -0.5);
  assert.equal(exactNumber("9007199254740991"), 9007199254740991);
  assert.equal(exactNumber("9007199254740993"), "9007199254740993");
  assert.equal(exactNumber("0.50"), "0.50");
  assert.equal(exactNumber("0.1"), 0.1);
  assert.equal(
    exactNumber("123456789012345678901234567890.123456789"),
    "123456789012345678901234567890.123456789",
  );
});
