import assert from "node:assert/strict";
import { join } from "node:path";
import { importSpecifiers, localModuleGraph } from "./module_graph.ts";

Deno.test("importSpecifiers reads runtime imports and ignores the rest", () => {
  const src = `
import { a } from "./a.ts";
import * as b from './b.ts';
import "./side.ts";
import type { T } from "./types.ts";
import { type U, c } from "./c.ts";
export { d } from "./d.ts";
export * from "./e.ts";
export type { V } from "./v.ts";
export const notImport = "./nope.ts";
export default "./also_nope.ts";
const lazy = await import("./lazy.ts");
const s = "import x from './in_string.ts'";
// import { z } from "./commented.ts";
/* export * from "./block_commented.ts"; */
const t = \`import q from "./template.ts"\`;
import lodash from "npm:lodash";
`;
  assert.deepEqual(importSpecifiers(src).sort(), [
    "./a.ts",
    "./b.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./lazy.ts",
    "./side.ts",
    "npm:lodash",
  ]);
});

Deno.test("localModuleGraph follows local imports transitively", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "lib"));
  await Deno.writeTextFile(
    join(dir, "node.ts"),
    `import { h } from "./lib/helper.ts";\nimport "npm:yaml";\nexport default () => h;`,
  );
  await Deno.writeTextFile(
    join(dir, "lib", "helper.ts"),
    `import { k } from "../shared.ts";\nimport { gone } from "./gone.ts";\nexport const h = k;`,
  );
  await Deno.writeTextFile(
    join(dir, "shared.ts"),
    `import { h } from "./lib/helper.ts"; export const k = 1;`,
  );
  const g = await localModuleGraph(join(dir, "node.ts"));
  assert.deepEqual(g.files, [
    join(dir, "lib", "helper.ts"),
    join(dir, "node.ts"),
    join(dir, "shared.ts"),
  ]);
  assert.deepEqual(g.external, ["npm:yaml"]);
  assert.deepEqual(g.missing, [[join(dir, "lib", "helper.ts"), "./gone.ts"]]);
});
