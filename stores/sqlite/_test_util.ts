/**
 * Helpers shared by the SQLite store's own tests.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { Store, TableDef } from "../mod.ts";

/** A small table with a unique key. */
export const PEOPLE: TableDef = {
  schema: { id: "Text", name: "Text", active: "Boolean", seen: "DateTime" },
  uniqueOn: ["id"],
};

/** Runs `fn` with the path of a fresh database in a temp directory. */
export async function withDb(
  fn: (path: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_sqlite_" });
  try {
    await fn(`${dir}/runnel.db`, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Commits `rows` into a new table "people". */
export async function seed(store: Store, rows: Record<string, unknown>[]) {
  const pub = await store.beginPublication();
  await pub.init("people", PEOPLE);
  await pub.append("people", rows);
  await pub.commit({ runId: "seed" });
}

/** Names of the physical table versions in the file, sorted. */
export function physicalTables(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_\\_rt\\_%' ESCAPE '\\' ORDER BY name",
    ).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

/** A row of "people". */
export const ADA = {
  id: "a",
  name: "Ada",
  active: true,
  seen: new Date("2024-05-01T10:00:00.000Z"),
};
/** Another row of "people". */
export const BOB = { id: "b", name: "Bob", active: false, seen: null };
