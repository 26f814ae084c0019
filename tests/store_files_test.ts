// The SQLite store's file: no node may be granted it, and a store file that
// is missing, emptied, replaced or read-only is reported, never written
// past.

import assert from "node:assert/strict";
import { join } from "node:path";
import { NodeContractError } from "../core/errors.ts";
import { graphYml, makeApp, runOnce } from "./_helpers.ts";

const writer = `export default async ({ table }) => {
  const t = table("out", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.append([{ v: 1 }]);
};`;

Deno.test("a node granted the folder that holds the store file is refused before it runs", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{
      file: "a.ts",
      title: "Reader",
      outputs: ["out"],
      extra: "permissions:\n  read: [data]",
    }]),
    "a.ts": writer,
  });
  await Deno.mkdir(join(dir, "data"));
  const url = join(dir, "data", "app.db");
  await assert.rejects(
    runOnce(dir, {}, url),
    (err: Error) => {
      assert.ok(err instanceof NodeContractError);
      assert.match(
        err.message,
        /Cannot run node "Reader": its permissions\.read entry "data" includes the store file .*data\/app\.db, which nodes reach only through their tables/,
      );
      return true;
    },
  );
  // Elsewhere, the same app runs.
  const ok = await runOnce(dir, {}, join(dir, "app.db"));
  assert.equal(ok.status, "succeeded");
});
