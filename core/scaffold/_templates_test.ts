import assert from "node:assert/strict";
import { join } from "node:path";
import { loadGraph } from "../graph/load.ts";
import { createApp, createNode, createTable } from "./scaffold.ts";

const read = (dir: string, file = "graph.yml") =>
  Deno.readTextFile(join(dir, file));

Deno.test("the commented example in a new graph.yml is a valid app", async () => {
  const root = await Deno.makeTempDir();
  try {
    await createApp(root);
    const lines = (await read(root)).split("\n");
    const block = (head: string) => {
      const out: string[] = [];
      let i = lines.indexOf(`#   ${head}:`) + 1;
      assert.ok(i > 0, head);
      while (lines[i]?.startsWith("#     ")) out.push(lines[i++]!.slice(4));
      return out.join("\n");
    };
    await Deno.writeTextFile(
      join(root, "graph.yml"),
      `title: Example\nstores:\n${block("stores")}\nfunctions:\n${
        block("functions")
      }\n`,
    );
    await Deno.writeTextFile(join(root, "score_leads.ts"), "");
    const graph = await loadGraph(root);
    const node = graph.nodes[0]!;
    assert.deepEqual(node.inputs, { leads: "raw_leads" });
    assert.deepEqual(node.outputs, { scored: "scored_leads" });
    assert.deepEqual(node.parameterValues, { min_score: 0.7 });
    assert.deepEqual(node.permissions.net, ["api.example.com"]);
    assert.deepEqual(node.permissions.env, ["API_TOKEN"]);
    assert.equal(node.timeoutMs, 5 * 60 * 1000);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Type-checks files with the deno binary running the tests. */
async function denoCheck(dir: string, files: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--no-config", "--quiet", ...files],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  return text;
}

/** Turns the template's commented example code back into code (prose starts with a capital). */
function uncommentExamples(text: string): string {
  return text.replace(/^(\s*)\/\/ (?![A-Z@])/gm, "$1");
}

Deno.test("node templates type-check against runnel.d.ts, examples included", async () => {
  const root = await Deno.makeTempDir();
  try {
    await createApp(root);
    await createNode(root, "score_leads.ts");
    await createNode(root, "nodes/clean.js");
    await denoCheck(root, ["score_leads.ts", "nodes/clean.js"]);
    for (const file of ["score_leads.ts", "nodes/clean.js"]) {
      const text = await read(root, file);
      const live = uncommentExamples(text);
      assert.ok(live.split("\n").length === text.split("\n").length);
      assert.match(
        live,
        /^ {2}const leads = await table\("leads"\)\.read\(\);$/m,
      );
      assert.match(live, /^ {2}await scored\.upsert\($/m);
      await Deno.writeTextFile(join(root, file), live);
    }
    await denoCheck(root, ["score_leads.ts", "nodes/clean.js"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("generated files are already deno-fmt formatted", async () => {
  const root = await Deno.makeTempDir();
  try {
    await createApp(root);
    await createNode(root, "score_leads.ts", { title: "Score Leads" });
    await createNode(root, "nodes/clean.js");
    await createTable(root, "raw_leads");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--no-config", "--check", "."],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
