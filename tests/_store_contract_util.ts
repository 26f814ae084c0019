/**
 * Helpers shared by the Store contract tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Row } from "../core/schema/schema.ts";
import type { Store, TableDef } from "../stores/mod.ts";

/** Asserts that `p` rejects with an instance of `cls` whose message matches every pattern. */
export async function rejects(
  p: Promise<unknown> | (() => Promise<unknown>),
  cls: abstract new (...args: never[]) => Error,
  ...patterns: RegExp[]
): Promise<Error> {
  let caught: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected a ${cls.name}, nothing was thrown`);
  assert.ok(
    caught instanceof cls,
    `expected a ${cls.name}, got ${String(caught)}`,
  );
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

/** A small table with a unique key. */
export const PEOPLE: TableDef = {
  schema: { id: "Text", name: "Text", age: "Integer" },
  uniqueOn: ["id"],
};

/** A row of {@link PEOPLE}: `name` is the upper-cased id. */
export const person = (id: string, age = 1): Row => ({
  id,
  name: id.toUpperCase(),
  age,
});

/** A table without a unique key. */
export const EVENTS: TableDef = {
  schema: { kind: "Text", n: "Integer" },
  uniqueOn: [],
};

/** Creates (commits) `table` with `def` and `rows`. */
export async function seed(
  store: Store,
  table: string,
  def: TableDef,
  rows: Row[],
  runId = "seed",
): Promise<void> {
  const pub = await store.beginPublication();
  await pub.init(table, def);
  if (rows.length > 0) await pub.append(table, rows);
  await pub.commit({ runId, nodeId: "seeder" });
}

/** The values of one column, in row order. */
export function col(rows: Row[], name: string): unknown[] {
  return rows.map((r) => r[name]);
}
