// The CLI end to end, as a user types it: real `deno run main.ts`
// subprocesses in a temp directory.

import assert from "node:assert/strict";
import { join } from "node:path";
import { fromFileUrl } from "../core/path.ts";
import { runnel as runCli } from "./_cli.ts";

const MAIN = fromFileUrl(new URL("../main.ts", import.meta.url));

/** `runnel …` in `cwd`, to the end. */
const runnel = (cwd: string, ...args: string[]) => runCli(cwd, args);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("CLI: create app → create nodes → run → tables show → runs", async (t) => {
  const cwd = await Deno.makeTempDir({ prefix: "runnel_cli_" });
  const app = join(cwd, "my-leads-app");

  await t.step("create app", async () => {
    const r = await runnel(cwd, "create", "app", "my-leads-app");
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await exists(join(app, "graph.yml")));
    assert.ok(await exists(join(app, "runnel.d.ts")));
  });

  await t.step("create nodes and a table", async () => {
    for (
      const args of [
        [
          "create",
          "node",
          "--app",
          "my-leads-app",
          "--title",
          "Ingest Leads",
          "ingest_leads.ts",
        ],
        [
          "create",
          "node",
          "--app",
          "my-leads-app",
          "--title",
          "Score Leads",
          "score_leads.ts",
        ],
        [
          "create",
          "node",
          "--app",
          "my-leads-app",
          "--type",
          "table",
          "raw_leads",
        ],
      ]
    ) {
      const r = await runnel(cwd, ...args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
    const yml = await Deno.readTextFile(join(app, "graph.yml"));
    assert.match(yml, /node_file: ingest_leads\.ts/);
    assert.match(yml, /title: Score Leads/);
    assert.match(yml, /table: raw_leads/);
    // Nothing ran yet: the latest run cannot be shown.
    const none = await runnel(app, "runs", "show");
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /No runs in this app yet: start one with runnel run/,
    );
  });

  await t.step("edit graph.yml and the node files, then run", async () => {
    await Deno.writeTextFile(
      join(app, "graph.yml"),
      `title: My Leads App
stores:
  - table: raw_leads
functions:
  - node_file: ingest_leads.ts
    title: Ingest Leads
    outputs: [raw_leads]
  - node_file: score_leads.ts
    title: Score Leads
    inputs: [raw_leads]
    outputs: [scored_leads]
`,
    );
    await Deno.writeTextFile(
      join(app, "ingest_leads.ts"),
      `import type { NodeContext } from "./runnel.d.ts";
export default async function run({ table, parameter }: NodeContext) {
  const source = parameter<string>("leads_source", { type: "string", default: "marketing_form" });
  const raw = table("raw_leads", "w");
  await raw.init({ schema: { id: "Text", email: "Text", source: "Text", created_at: "DateTime" }, uniqueOn: "id", addCreated: "created_at" });
  await raw.upsert([
    { id: "L-001", email: "a@enterprise.com", source },
    { id: "L-002", email: "b@corp.com", source },
    { id: "L-003", email: "c@example.org", source },
  ]);
}
`,
    );
    await Deno.writeTextFile(
      join(app, "score_leads.ts"),
      `import type { NodeContext } from "./runnel.d.ts";
export default async function run({ table }: NodeContext) {
  const rows = await table("raw_leads").read();
  const out = table("scored_leads", "w");
  await out.init({ schema: { id: "Text", score: "Float" }, uniqueOn: "id" });
  await out.upsert(rows.map((r) => ({ id: r.id, score: String(r.email).endsWith("enterprise.com") ? 0.95 : 0.4 })));
}
`,
    );
    const r = await runnel(cwd, "run", "--app", "my-leads-app");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /✓ Ingest Leads succeeded/);
    assert.match(r.stderr, /✓ Score Leads succeeded .*3 row\(s\) written/);
    assert.match(r.stderr, /Run succeeded in .*: 2 succeeded/);
  });

  await t.step("run --json", async () => {
    const r = await runnel(app, "run", "--json", "--param", "leads_source=ads");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.status, "succeeded");
    assert.deepEqual(
      j.nodes.map((
        n: Record<string, unknown>,
      ) => [n.id, n.title, n.file, n.status, n.rowsWritten]),
      [
        ["ingest_leads", "Ingest Leads", "ingest_leads.ts", "succeeded", 3],
        ["score_leads", "Score Leads", "score_leads.ts", "succeeded", 3],
      ],
    );
    assert.ok(
      j.nodes.every((n: Record<string, unknown>) =>
        typeof n.durationMs === "number"
      ),
    );
  });

  await t.step("tables and tables show", async () => {
    const list = await runnel(cwd, "tables", "--app", "my-leads-app");
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /raw_leads\s+3\s/);
    assert.match(list.stdout, /scored_leads\s+3\s/);
    const show = await runnel(
      cwd,
      "tables",
      "show",
      "scored_leads",
      "--app",
      "my-leads-app",
      "--json",
    );
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(JSON.parse(show.stdout), [
      { id: "L-001", score: 0.95 },
      { id: "L-002", score: 0.4 },
      { id: "L-003", score: 0.4 },
    ]);
    const raw = await runnel(
      app,
      "tables",
      "show",
      "raw_leads",
      "--limit",
      "2",
    );
    assert.equal(raw.code, 0, raw.stderr);
    assert.match(raw.stdout, /L-001\s+a@enterprise\.com\s+ads/);
    assert.doesNotMatch(raw.stdout, /L-003/);
    assert.match(raw.stderr, /rows 1-2 of 3/);
    const missing = await runnel(app, "tables", "show", "nope");
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /No table "nope" in this app \(tables: raw_leads, scored_leads\)/,
    );
  });

  await t.step("runs and runs show", async () => {
    const list = await runnel(app, "runs", "--json");
    assert.equal(list.code, 0, list.stderr);
    const runs = JSON.parse(list.stdout);
    assert.equal(runs.length, 2);
    assert.deepEqual(runs.map((r: { nodes: unknown }) => r.nodes), [
      { succeeded: 2 },
      { succeeded: 2 },
    ]);
    const table = await runnel(app, "runs");
    assert.match(table.stdout, /NODES\n/);
    assert.match(table.stdout, /succeeded .* 2 succeeded\n/);
    assert.deepEqual(runs[0].params, { leads_source: "ads" });
    const show = await runnel(app, "runs", "show", runs[1].runId);
    assert.equal(show.code, 0, show.stderr);
    assert.match(
      show.stdout,
      /Ingest Leads\s+succeeded\s+\S+\s+3\s+ingest_leads\.ts/,
    );
    const j = JSON.parse(
      (await runnel(app, "runs", "show", runs[0].runId.slice(0, 20), "--json"))
        .stdout,
    );
    assert.equal(j.runId, runs[0].runId);
    assert.equal(j.nodes.length, 2);
    // Without an id: the latest run.
    const latest = await runnel(app, "runs", "show", "--json");
    assert.equal(latest.code, 0, latest.stderr);
    assert.equal(JSON.parse(latest.stdout).runId, runs[0].runId);
  });

  await t.step("run --explain says why", async () => {
    const same = await runnel(
      app,
      "run",
      "--explain",
      "-p",
      "leads_source=ads",
    );
    assert.equal(same.code, 0, same.stderr);
    assert.match(
      same.stderr,
      /○ Ingest Leads cached unchanged since run \d{8}-/,
    );
    const changed = await runnel(
      app,
      "run",
      "--explain",
      "-p",
      "leads_source=web",
    );
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(
      changed.stderr,
      /▶ Ingest Leads started \(parameter leads_source changed\)/,
    );
  });

  await t.step("graph as mermaid and dot", async () => {
    const m = await runnel(app, "graph");
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /^flowchart LR/);
    assert.match(m.stdout, /n_ingest_leads --> t_raw_leads/);
    const d = await runnel(app, "graph", "--format", "dot");
    assert.match(d.stdout, /"t_raw_leads" -> "n_score_leads";/);
  });

  await t.step("a failing node exits 1 and says which and why", async () => {
    await Deno.writeTextFile(
      join(app, "score_leads.ts"),
      `export default () => { throw new Error("scoring model missing"); };\n`,
    );
    const r = await runnel(app, "run");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /✗ Score Leads failed/);
    assert.match(r.stderr, /scoring model missing/);
    assert.match(r.stderr, /runnel runs show /);
  });
});

Deno.test("CLI: an invalid graph exits 2 and writes nothing", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "runnel_cli_" });
  await Deno.writeTextFile(
    join(cwd, "graph.yml"),
    "title: Broken\nfunctions:\n  - node_file: missing.ts\n    ouputs: [x]\n",
  );
  const r = await runnel(cwd, "run");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /graph\.yml:4:5/);
  assert.match(r.stderr, /did you mean "outputs"/);
  assert.equal(await exists(join(cwd, ".runnel")), false);
});

Deno.test("CLI: usage errors exit 2 and show the usage", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "runnel_cli_" });
  const unknown = await runnel(cwd, "frobnicate");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badFlag = await runnel(cwd, "run", "--bogus");
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown option '--bogus'/);
  const badParam = await runnel(cwd, "run", "--param", "novalue");
  assert.equal(badParam.code, 2);
  assert.match(badParam.stderr, /not of the form name=value/);
  const noApp = await runnel(cwd, "run");
  assert.equal(noApp.code, 2);
  assert.match(
    noApp.stderr,
    /No graph\.yml found in .* or any parent directory: pass --app <dir>/,
  );
  const bare = await runnel(cwd);
  assert.equal(bare.code, 2);
  assert.match(bare.stdout + bare.stderr, /Usage: runnel/);
});

Deno.test("CLI: --help on every command and --version", async () => {
  const cwd = await Deno.makeTempDir();
  const version = await runnel(cwd, "--version");
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  for (
    const cmd of [
      [],
      ["create"],
      ["create", "app"],
      ["create", "node"],
      ["create", "table"],
      ["run"],
      ["tables"],
      ["tables", "show"],
      ["runs"],
      ["runs", "show"],
      ["graph"],
    ]
  ) {
    const r = await runnel(cwd, ...cmd, "--help");
    assert.equal(r.code, 0, `${cmd.join(" ")} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage: runnel/, cmd.join(" "));
  }
});

Deno.test("CLI: --store and RUNNEL_STORE choose where data lives", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "runnel_cli_" });
  await Deno.writeTextFile(
    join(cwd, "graph.yml"),
    "title: Stores\nfunctions:\n  - node_file: w.ts\n    outputs: [t]\n",
  );
  await Deno.writeTextFile(
    join(cwd, "w.ts"),
    `export default async ({ table }) => { await table("t", "w").append({ v: 1 }); };\n`,
  );
  const viaFlag = await runnel(cwd, "run", "--store", "custom/data.db");
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  assert.ok(await exists(join(cwd, "custom", "data.db")));
  assert.equal(await exists(join(cwd, ".runnel")), false);
  const tables = await runnel(
    cwd,
    "tables",
    "--store",
    "sqlite:custom/data.db",
    "--json",
  );
  assert.equal(JSON.parse(tables.stdout)[0].rows, 1);

  const viaEnv = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "run"],
    cwd,
    env: { NO_COLOR: "1", RUNNEL_STORE: join(cwd, "env.sqlite") },
    stderr: "piped",
  }).output();
  assert.equal(viaEnv.code, 0);
  assert.ok(await exists(join(cwd, "env.sqlite")));

  const pg = await runnel(
    cwd,
    "run",
    "--store",
    "postgres://u:secret@127.0.0.1/db",
  );
  assert.equal(pg.code, 1);
  assert.doesNotMatch(pg.stderr, /secret/);
  const bad = await runnel(cwd, "tables", "--store", "mysql://x");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Unknown store "mysql:\/\/x"/);
});

Deno.test("CLI: Ctrl+C stops the running nodes, records the run and exits 130", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "runnel_cli_" });
  await Deno.writeTextFile(
    join(cwd, "graph.yml"),
    "title: Slow\nfunctions:\n  - node_file: slow.ts\n    outputs: [t]\n",
  );
  await Deno.writeTextFile(
    join(cwd, "slow.ts"),
    `export default async ({ table, log }) => {
  const t = table("t", "w");
  await t.init({ schema: { i: "Integer" } });
  log.info("working");
  for (let i = 0; i < 600; i++) { await t.append({ i }); await new Promise((r) => setTimeout(r, 50)); }
};
`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "run", "--verbose"],
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const dec = new TextDecoder();
  let stderr = "";
  const reader = child.stderr.getReader();
  // Interrupt once the node is working.
  while (!stderr.includes("working")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += dec.decode(value);
  }
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += dec.decode(value);
  }
  const status = await child.status;
  await child.stdout.cancel();
  assert.equal(status.code, 130, stderr);
  assert.match(
    stderr,
    /SIGINT: stopping the running nodes and recording the run/,
  );
  assert.match(stderr, /✗ Slow failed .*interrupted: the run was stopped/);
  assert.match(stderr, /Run interrupted in .*: 1 failed/);
  const runs = JSON.parse((await runnel(cwd, "runs", "--json")).stdout);
  assert.equal(runs[0].status, "failed");
  assert.deepEqual(runs[0].nodes, { failed: 1 });
  // Nothing of the interrupted node was published; the store is free.
  const tables = await runnel(cwd, "tables", "--json");
  assert.deepEqual(JSON.parse(tables.stdout), []);
});
