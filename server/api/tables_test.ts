import assert from "node:assert/strict";
import type { TableInfo } from "../../stores/store.ts";
import { parseOrder } from "./tables.ts";

const INFO: TableInfo = {
  name: "events",
  schema: { id: "Text", score: "Float", payload: "Json", at: "DateTime" },
  uniqueOn: ["id"],
  rowCount: 3,
  version: 1,
  contentVersion: "v1",
  updatedAt: new Date(0),
};

Deno.test("parseOrder: columns, + and - prefixes, several terms", () => {
  assert.deepEqual(parseOrder(undefined, INFO), []);
  assert.deepEqual(parseOrder(" ", INFO), []);
  assert.deepEqual(parseOrder("score", INFO), [{ column: "score" }]);
  assert.deepEqual(parseOrder("-score, +at", INFO), [
    { column: "score", desc: true },
    { column: "at" },
  ]);
});

Deno.test("parseOrder: unknown and Json columns are refused with the fix", () => {
  assert.match(
    String(parseOrder("nope", INFO)),
    /Cannot order by "nope": table "events" has no such column \(columns: id, score, payload, at\); write order=<column>/,
  );
  assert.match(
    String(parseOrder("score,-payload", INFO)),
    /Cannot order by "payload": it is a Json column of table "events", and JSON values have no order; order by another column/,
  );
  // Only an own column counts: inherited names are not columns.
  assert.match(String(parseOrder("constructor", INFO)), /no such column/);
});
