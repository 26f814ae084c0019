import assert from "node:assert/strict";
import { join } from "node:path";
import { CommanderError } from "npm:commander@^14.0.3";
import YAML from "npm:yaml@^2.8.0";
import { AppNotFoundError, UsageError } from "../core/errors.ts";
import { memoryIo } from "./_io.ts";
import { createCommand } from "./create.ts";

async function inTemp(fn: (cwd: string) => Promise<void>): Promise<void> {
  const cwd = await Deno.makeTempDir({ prefix: "runnel_create_cli_" });
  try {
    await fn(cwd);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

function cli(cwd: string) {
  const io = memoryIo({ cwd });
  const run = (...args: string[]) =>
    createCommand(io).exitOverride().parseAsync(args, { from: "user" });
  return { io, run };
}

const graphOf = async (dir: string) =>
  YAML.parse(await Deno.readTextFile(join(dir, "graph.yml")));

Deno.test("runnel create app, node and table", async () => {
  await inTemp(async (cwd) => {
    const { io, run } = cli(cwd);
    const app = join(cwd, "my-leads-app");

    await run("app", "my-leads-app", "--title", "Leads");
    const out = io.stdout.join("\n");
    assert.match(out, /Created app in my-leads-app\//);
    assert.match(out, /my-leads-app\/graph\.yml/);
    assert.match(out, /my-leads-app\/runnel\.d\.ts/);
    assert.match(out, /runnel create node --app my-leads-app /);
    assert.equal((await graphOf(app)).title, "Leads");

    io.stdout.length = 0;
    await run(
      "node",
      "--app",
      "my-leads-app",
      "--title",
      "Score Leads",
      "score_leads.ts",
    );
    assert.match(
      io.stdout.join("\n"),
      /Created my-leads-app\/score_leads\.ts \(node "Score Leads", id score_leads\)/,
    );
    assert.ok((await Deno.stat(join(app, "score_leads.ts"))).isFile);

    await run("node", "--app", "my-leads-app", "--type", "table", "raw_leads");
    await run("table", "-a", "my-leads-app", "scored_leads");
    assert.match(io.stdout.join("\n"), /Added table raw_leads to stores:/);

    // Without --app the app is found from the working directory upwards.
    await Deno.mkdir(join(app, "sql"));
    const inner = cli(join(app, "sql"));
    await inner.run("node", "top.sql");
    assert.match(inner.io.stdout.join("\n"), /top\.sql/);

    const graph = await graphOf(app);
    assert.deepEqual(graph.functions, [
      { node_file: "score_leads.ts", title: "Score Leads" },
      { node_file: "top.sql" },
    ]);
    assert.deepEqual(graph.stores, [
      { table: "raw_leads" },
      { table: "scored_leads" },
    ]);
    assert.deepEqual(io.stderr, []);
  });
});

Deno.test("runnel create reports errors by throwing, never exiting", async () => {
  await inTemp(async (cwd) => {
    const { io, run } = cli(cwd);
    await assert.rejects(() => run("table", "raw_leads"), AppNotFoundError);
    await run("app", "app");
    await assert.rejects(
      () => run("node", "--app", "app", "x.py"),
      (err: Error) =>
        err instanceof UsageError && /\.ts, \.js or \.sql/.test(err.message),
    );
    await assert.rejects(
      () => run("node", "--app", "app", "--type", "table", "--title", "T", "t"),
      UsageError,
    );
    await assert.rejects(
      () => run("node", "--app", "app", "--type", "view", "t"),
      CommanderError,
    );
    await assert.rejects(() => run("table", "--app", "app"), CommanderError);
    assert.match(io.stderr.join("\n"), /missing required argument/);
    await assert.rejects(() => run("app", "app"), UsageError);
  });
});

Deno.test("runnel create --help shows examples", async () => {
  await inTemp(async (cwd) => {
    const { io, run } = cli(cwd);
    await assert.rejects(
      () => run("node", "--help"),
      (err: Error) => err instanceof CommanderError && err.exitCode === 0,
    );
    const help = io.stdout.join("\n");
    assert.match(help, /Usage: create node/);
    assert.match(help, /--type table raw_leads/);
  });
});
