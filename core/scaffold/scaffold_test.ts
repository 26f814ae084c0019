import assert from "node:assert/strict";
import { join } from "node:path";
import YAML from "npm:yaml@^2.8.0";
import { AppNotFoundError, GraphError, UsageError } from "../errors.ts";
import { loadGraph } from "../graph/load.ts";
import { RUNNEL_D_TS } from "./runnel_d_ts.ts";
import { createApp, createNode, createTable } from "./scaffold.ts";

/** Runs `fn` on a temporary app whose graph.yml holds `graph`. */
async function withApp(
  graph: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_scaffold_" });
  try {
    await Deno.writeTextFile(join(dir, "graph.yml"), graph);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const read = (dir: string, file = "graph.yml") =>
  Deno.readTextFile(join(dir, file));

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("createApp writes graph.yml, runnel.d.ts, README.md and .gitignore", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "my-leads-app");
    const files = await createApp(dir);
    assert.deepEqual(files, [
      join(dir, "graph.yml"),
      join(dir, "runnel.d.ts"),
      join(dir, "README.md"),
      join(dir, ".gitignore"),
    ]);
    const graph = YAML.parse(await read(dir));
    assert.deepEqual(graph, {
      title: "My Leads App",
      slug: "my-leads-app",
      stores: [],
      functions: [],
    });
    assert.equal(await read(dir, "runnel.d.ts"), RUNNEL_D_TS);
    assert.match(await read(dir, ".gitignore"), /^\.runnel\/$/m);
    const readme = await read(dir, "README.md");
    assert.match(readme, /^# My Leads App/);
    assert.match(readme, /runnel create node/);
    assert.match(readme, /runnel run/);
    const loaded = await loadGraph(dir);
    assert.equal(loaded.title, "My Leads App");
    assert.equal(loaded.slug, "my-leads-app");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("createApp takes a title, accepts an empty directory, refuses a non-empty one", async () => {
  const root = await Deno.makeTempDir();
  try {
    await createApp(root, { title: "Leads: the app" });
    const graph = YAML.parse(await read(root));
    assert.equal(graph.title, "Leads: the app");
    await assert.rejects(
      () => createApp(root),
      (err: Error) =>
        err instanceof UsageError && /not empty/.test(err.message) &&
        /Choose a new directory name/.test(err.message),
    );
    await assert.rejects(
      () => createApp(join(root, "graph.yml")),
      (err: Error) => err instanceof UsageError && /file/.test(err.message),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

const ODD =
  `# Odd app: comments, blank lines and unusual indentation stay as they are.
title:   "Odd App"    # quoted, extra spaces

stores:
    -   table: raw_leads     # four spaces, dash and three spaces
    -   table: scored_leads

# The nodes.
functions:
    -   node_file: a.ts
        title: 'A node'
        inputs: {leads: raw_leads}   # flow map

    -   node_file: b.ts   # trailing comment


# After the list.
slug: odd-app
`;

Deno.test("createNode adds the entry and keeps every other byte of graph.yml", async () => {
  await withApp(ODD, async (dir) => {
    const made = await createNode(dir, "nodes/c.ts", { title: "C: node #3" });
    assert.equal(made.path, join(dir, "nodes", "c.ts"));
    assert.deepEqual(made.entry, {
      node_file: "nodes/c.ts",
      title: "C: node #3",
    });
    assert.equal(made.id, "c");
    assert.equal(
      await read(dir),
      ODD.replace(
        "    -   node_file: b.ts   # trailing comment\n",
        `    -   node_file: b.ts   # trailing comment
    -   node_file: nodes/c.ts
        title: "C: node #3"
`,
      ),
    );
    await createTable(dir, "top_leads");
    assert.equal(
      await read(dir),
      ODD.replace(
        "    -   node_file: b.ts   # trailing comment\n",
        `    -   node_file: b.ts   # trailing comment
    -   node_file: nodes/c.ts
        title: "C: node #3"
`,
      ).replace(
        "    -   table: scored_leads\n",
        "    -   table: scored_leads\n    -   table: top_leads\n",
      ),
    );
    assert.deepEqual(await listDir(dir), ["graph.yml", "nodes", "runnel.d.ts"]);
  });
});

Deno.test("createNode writes TS, JS and SQL templates", async () => {
  await withApp("title: T\nfunctions:\n- node_file: a.ts\n", async (dir) => {
    await Deno.writeTextFile(join(dir, "runnel.d.ts"), RUNNEL_D_TS);
    const ts = await createNode(dir, "score_leads.ts");
    assert.equal(ts.typesFile, undefined);
    assert.equal(ts.title, "Score Leads");
    const tsText = await read(dir, "score_leads.ts");
    assert.match(
      tsText,
      /import type \{ NodeContext \} from "\.\/runnel\.d\.ts";/,
    );
    assert.match(
      tsText.replace(/\s+/g, " "),
      /export default async function run\( \{ table, parameter, state, log \}: NodeContext, \)/,
    );
    assert.match(tsText, /\.upsert\(/);
    assert.match(tsText, /uniqueOn:/);

    await createNode(dir, "nodes/clean.js", { title: "Clean" });
    const jsText = await read(dir, "nodes/clean.js");
    assert.match(
      jsText,
      /@typedef \{import\("\.\.\/runnel\.d\.ts"\)\.NodeContext\} NodeContext/,
    );
    assert.match(
      jsText,
      /export default async function run\(\{ table, parameter, state, log \}\)/,
    );
    assert.doesNotMatch(jsText, /: NodeContext/);

    const sql = await createNode(dir, "sql/Top-Leads.sql");
    assert.equal(sql.id, "top-leads");
    const sqlText = await read(dir, "sql/Top-Leads.sql");
    assert.match(sqlText, /^-- /);
    assert.match(sqlText, /output_table/);
    assert.match(sqlText, /- node_file: sql\/Top-Leads\.sql\n/);
    // The only template tags are the ones in the query, not in comments.
    assert.equal(sqlText.match(/\{\{/g)?.length, 2);
    assert.match(
      sqlText,
      /select \*\s+from \{\{ Table\("input_table"\) \}\}\s+where score >= \{\{ Parameter\("min_score", type="float", default=0\.5\) \}\}/,
    );
    assert.equal(
      await read(dir),
      `title: T
functions:
- node_file: a.ts
- node_file: score_leads.ts
- node_file: nodes/clean.js
  title: Clean
- node_file: sql/Top-Leads.sql
`,
    );
  });
});

Deno.test("createNode turns a flow [] into a block list and keeps its comment", async () => {
  const graph = "title: T\nstores: []\nfunctions: []  # none yet\n\n# end\n";
  await withApp(graph, async (dir) => {
    await createNode(dir, "a.sql");
    await createTable(dir, "raw");
    assert.equal(
      await read(dir),
      "title: T\nstores:\n  - table: raw\nfunctions:  # none yet\n  - node_file: a.sql\n\n# end\n",
    );
  });
});

Deno.test("createNode fills an empty or missing functions: key", async () => {
  await withApp("title: T\nfunctions:   # later\nslug: t\n", async (dir) => {
    await createNode(dir, "a.ts");
    assert.equal(
      await read(dir),
      "title: T\nfunctions:   # later\n  - node_file: a.ts\nslug: t\n",
    );
  });
  await withApp("title: T\nstores:\n- table: x\n# end", async (dir) => {
    await createNode(dir, "a.ts", { title: "A" });
    assert.equal(
      await read(dir),
      "title: T\nstores:\n- table: x\n# end\nfunctions:\n- node_file: a.ts\n  title: A\n",
    );
  });
  await withApp("title: T\r\nfunctions: ~\r\n", async (dir) => {
    await createNode(dir, "a.ts");
    assert.equal(
      await read(dir),
      "title: T\r\nfunctions:\r\n  - node_file: a.ts\r\n",
    );
  });
});

Deno.test("createNode appends to a non-empty flow list, keeping comments", async () => {
  const graph = "# head\ntitle: T\nfunctions: [{ node_file: a.ts }] # flow\n";
  await withApp(graph, async (dir) => {
    await createNode(dir, "b.ts");
    const text = await read(dir);
    assert.match(text, /^# head\n/);
    assert.match(text, /# flow/);
    assert.deepEqual(YAML.parse(text).functions, [
      { node_file: "a.ts" },
      { node_file: "b.ts" },
    ]);
  });
});

const TWO_NODES = `title: T
functions:
  - node_file: score_leads.ts
  - node_file: other.ts
    title: Fancy Name
  - node_file: x.ts
    id: explicit_id
  - webhook: leads
`;

Deno.test("createNode rejects duplicate files, ids and titles without changing anything", async () => {
  await withApp(TWO_NODES, async (dir) => {
    await Deno.writeTextFile(join(dir, "exists.ts"), "// mine\n");
    const cases: [string, { title?: string }, RegExp][] = [
      ["score_leads.ts", {}, /already lists score_leads\.ts/],
      ["./score_leads.ts", {}, /already lists/],
      [
        "nodes/score_leads.sql",
        {},
        /id "score_leads".*already used by score_leads\.ts/,
      ],
      ["Score-Leads.js", {}, /Title "Score Leads" is already used/],
      ["explicit_id.ts", {}, /id "explicit_id".*already used by x\.ts/],
      ["webhook_leads.ts", {}, /webhook for table leads/],
      [
        "new.ts",
        { title: "fancy name" },
        /Title "fancy name" is already used by other\.ts/,
      ],
      ["fancy_name.ts", {}, /Title "Fancy Name".*\(--title\) or file name/],
      ["exists.ts", {}, /already exists/],
    ];
    for (const [file, opts, re] of cases) {
      await assert.rejects(
        () => createNode(dir, file, opts),
        (err: Error) => err instanceof UsageError && re.test(err.message),
        file,
      );
    }
    assert.equal(await read(dir), TWO_NODES);
    assert.equal(await read(dir, "exists.ts"), "// mine\n");
    assert.deepEqual(await listDir(dir), ["exists.ts", "graph.yml"]);
  });
});

Deno.test("createNode rejects bad file names and paths outside the app", async () => {
  await withApp("title: T\n", async (dir) => {
    const cases: [string, RegExp][] = [
      ["x.py", /must end in \.ts, \.js or \.sql/],
      ["x", /must end in/],
      [".ts", /must end in/],
      ["", /empty/],
      ["types.d.ts", /\.d\.ts/],
      ["../x.ts", /outside the app directory/],
      ["a/../../x.ts", /outside the app directory/],
      ["/tmp/x.ts", /relative to the app directory/],
      [".runnel/x.ts", /\.runnel/],
    ];
    for (const [file, re] of cases) {
      await assert.rejects(
        () => createNode(dir, file),
        (err: Error) => err instanceof UsageError && re.test(err.message),
        file,
      );
    }
    await assert.rejects(
      () => createNode(dir, "ok.ts", { title: "two\nlines" }),
      UsageError,
    );
    assert.equal(await read(dir), "title: T\n");
    assert.deepEqual(await listDir(dir), ["graph.yml"]);
  });
});

Deno.test("createNode refuses to write through a symlink that leaves the app", async () => {
  const outside = await Deno.makeTempDir();
  try {
    await withApp("title: T\n", async (dir) => {
      await Deno.symlink(outside, join(dir, "linked"));
      await assert.rejects(
        () => createNode(dir, "linked/x.ts"),
        (err: Error) =>
          err instanceof UsageError && /through a symlink/.test(err.message),
      );
      assert.deepEqual(await listDir(outside), []);
      assert.equal(await read(dir), "title: T\n");
    });
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("createNode writes runnel.d.ts when the app lacks it", async () => {
  await withApp("title: T\n", async (dir) => {
    const made = await createNode(dir, "a.ts");
    assert.equal(made.typesFile, join(dir, "runnel.d.ts"));
    assert.equal(await read(dir, "runnel.d.ts"), RUNNEL_D_TS);
  });
});

Deno.test("a broken graph.yml is reported with file:line:col and left unchanged", async () => {
  const broken = "title: T\nfunctions:\n  - node_file: a.ts\n   title: [oops\n";
  await withApp(broken, async (dir) => {
    for (
      const op of [() => createNode(dir, "b.ts"), () => createTable(dir, "t")]
    ) {
      await assert.rejects(op, (err: Error) => {
        assert.ok(err instanceof GraphError);
        const loc = err.issues[0]!.loc;
        assert.equal(loc.file, join(dir, "graph.yml"));
        assert.ok(loc.line >= 3, `line ${loc.line}`);
        assert.match(err.message, /graph\.yml:\d+:\d+\)/);
        return true;
      });
    }
    assert.equal(await read(dir), broken);
    assert.deepEqual(await listDir(dir), ["graph.yml"]);
  });
  await withApp("title: T\nfunctions: nope\n", async (dir) => {
    await assert.rejects(
      () => createNode(dir, "b.ts"),
      (err: Error) =>
        err instanceof GraphError && /must be a list/.test(err.message) &&
        err.issues[0]!.loc.line === 2 && err.issues[0]!.loc.col === 12,
    );
  });
  await withApp("- a\n- b\n", async (dir) => {
    await assert.rejects(() => createTable(dir, "t"), GraphError);
  });
});

Deno.test("createNode and createTable need a graph.yml", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => createNode(dir, "a.ts"), AppNotFoundError);
    await assert.rejects(() => createTable(dir, "t"), AppNotFoundError);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createTable adds to stores: and rejects duplicates and bad names", async () => {
  const graph =
    "title: T\n\nstores:\n  # inputs\n  - table: Raw_Leads # raw\n\nfunctions: []\n";
  await withApp(graph, async (dir) => {
    const made = await createTable(dir, "scored");
    assert.deepEqual(made, {
      table: "scored",
      graphFile: join(dir, "graph.yml"),
    });
    const after = graph.replace(
      "  - table: Raw_Leads # raw\n",
      "  - table: Raw_Leads # raw\n  - table: scored\n",
    );
    assert.equal(await read(dir), after);
    const cases: [string, RegExp][] = [
      ["raw_leads", /already in stores/],
      ["scored", /already in stores/],
      ["_runnel_runs", /reserved/],
      ["_RUNNEL", /reserved/],
      ["__x", /reserved/],
      ["1abc", /not a valid name/],
      ["a-b", /not a valid name/],
      ["", /not a valid name/],
    ];
    for (const [name, re] of cases) {
      await assert.rejects(
        () => createTable(dir, name),
        (err: Error) => err instanceof UsageError && re.test(err.message),
        name,
      );
    }
    assert.equal(await read(dir), after);
  });
});
