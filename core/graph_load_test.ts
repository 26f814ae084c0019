import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { GraphError, type GraphIssue } from "./errors.ts";
import { DEFAULT_TIMEOUT_MS, upstreamOf } from "./graph.ts";
import { type GraphFs, loadGraph, parseGraph } from "./graph_load.ts";

/** graph.yml text from lines, so line numbers in tests are easy to read. */
const y = (...lines: string[]) => lines.join("\n") + "\n";

/** Every app of this file lives under ROOT, removed when the tests end. */
const ROOT = await Deno.makeTempDir({ prefix: "runnel_graph_test_" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(ROOT, { recursive: true });
});
let appCount = 0;

/** Writes an app (graph.yml + placeholder files) into a fresh directory. */
async function makeApp(
  graph: string | undefined,
  files: string[] = ["a.ts", "b.ts", "c.ts"],
): Promise<string> {
  const dir = join(ROOT, `app_${++appCount}`);
  await Deno.mkdir(dir);
  for (const f of files) {
    await Deno.mkdir(join(dir, f, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, f), "// node\n");
  }
  if (graph !== undefined) {
    await Deno.writeTextFile(join(dir, "graph.yml"), graph);
  }
  return dir;
}

/** Loads an app that must be invalid and returns its issues. */
async function issuesOf(dir: string): Promise<GraphIssue[]> {
  try {
    await loadGraph(dir, { displayFile: "graph.yml" });
  } catch (err) {
    assert.ok(err instanceof GraphError, `expected GraphError, got ${err}`);
    return err.issues;
  }
  throw new Error("expected loadGraph to throw a GraphError");
}

/** [message substring, "line:col"] */
type Want = [string, string];

function assertIssues(issues: GraphIssue[], wants: Want[]): void {
  const shown = issues.map((i) => `  ${i.loc.line}:${i.loc.col} ${i.message}`)
    .join("\n");
  for (const [text, at] of wants) {
    assert.ok(
      issues.some((i) =>
        i.message.includes(text) && `${i.loc.line}:${i.loc.col}` === at
      ),
      `no issue "${text}" at ${at}; got:\n${shown}`,
    );
    assert.ok(issues.every((i) => i.loc.file === "graph.yml"));
  }
  assert.equal(issues.length, wants.length, `issue count; got:\n${shown}`);
}

interface BadCase {
  name: string;
  graph: string | undefined;
  files?: string[];
  want: Want[];
  setup?: (dir: string) => Promise<void>;
}

const fn = (...lines: string[]) => y("title: T", "functions:", ...lines);

const BAD: BadCase[] = [
  {
    name: "unknown top-level key",
    graph: y("titel: T", "functions: []"),
    want: [['graph.yml: unknown key "titel": did you mean "title"?', "1:1"]],
  },
  {
    name: "unknown key in a function",
    graph: fn("  - node_file: a.ts", "    inptus: [x]"),
    want: [['Node "A": unknown key "inptus": did you mean "inputs"?', "4:5"]],
  },
  {
    name: "unknown key in a store",
    graph: y("stores:", "  - table: t", "    shema: Lead"),
    want: [['unknown key "shema": did you mean "schema"?', "3:5"]],
  },
  {
    name: "unknown key in permissions",
    graph: fn("  - node_file: a.ts", "    permissions:", "      netw: [x.com]"),
    want: [[
      'Node "A": permissions: unknown key "netw": did you mean "net"?',
      "5:7",
    ]],
  },
  {
    name: "unknown key without a close match lists the allowed ones",
    graph: y("colour: red"),
    want: [[
      "allowed keys are title, slug, description_file, stores, functions, stages",
      "1:1",
    ]],
  },
  {
    name: "missing node_file",
    graph: fn("  - title: Score", "    outputs: [x]"),
    want: [['Node "Score": missing node_file: add node_file:', "3:5"]],
  },
  {
    name: "node file missing on disk",
    graph: fn("  - node_file: nodes/nope.ts"),
    want: [['node_file "nodes/nope.ts" does not exist', "3:16"]],
  },
  {
    name: "node file is a directory",
    graph: fn("  - node_file: sub.ts"),
    files: ["sub.ts/x.ts"],
    want: [['node_file "sub.ts" is a directory', "3:16"]],
  },
  {
    name: "unsupported extension",
    graph: fn("  - node_file: score.py"),
    files: ["score.py"],
    want: [[
      'unsupported extension ".py": use one of .ts, .js, .mjs, .tsx, .jsx, .sql',
      "3:16",
    ]],
  },
  {
    name: "node file outside the app dir (..)",
    graph: fn("  - node_file: ../x.ts"),
    want: [['node_file "../x.ts" is outside the app directory', "3:16"]],
  },
  {
    name: "node file given as an absolute path",
    graph: fn("  - node_file: /etc/x.ts"),
    want: [[
      'node_file "/etc/x.ts" is an absolute path: write it relative',
      "3:16",
    ]],
  },
  {
    name: "node file escaping through a symlink",
    graph: fn("  - node_file: link.ts"),
    setup: async (dir) => {
      const outside = join(ROOT, `outside_${appCount}.ts`);
      await Deno.writeTextFile(outside, "// not in the app\n");
      await Deno.symlink(outside, join(dir, "link.ts"));
    },
    want: [["through a symlink, which is outside the app directory", "3:16"]],
  },
  {
    name: "duplicate function ids",
    graph: fn(
      "  - node_file: a.ts",
      "    id: x",
      "  - node_file: b.ts",
      "    id: x",
    ),
    want: [[
      'Duplicate function id "x": node "A" on line 4 already uses it',
      "6:9",
    ]],
  },
  {
    name: "duplicate derived ids",
    graph: fn(
      "  - node_file: a.ts",
      "  - node_file: sub/a.ts",
      "    title: Other",
    ),
    files: ["a.ts", "sub/a.ts"],
    want: [['Duplicate function id "a" (derived from the file name)', "4:16"]],
  },
  {
    name: "duplicate titles",
    graph: fn(
      "  - node_file: a.ts",
      "    title: Same",
      "  - node_file: b.ts",
      "    title: Same",
    ),
    want: [[
      'Duplicate title "Same": the node on line 4 already has it',
      "6:12",
    ]],
  },
  {
    name: "duplicate store tables",
    graph: y("stores:", "  - table: leads", "  - table: leads"),
    want: [[
      'Duplicate store table "leads" (already declared on line 2)',
      "3:12",
    ]],
  },
  {
    name: "one node declares the same output table twice",
    graph: fn(
      "  - node_file: a.ts",
      "    outputs:",
      "      x: t",
      "      y: t",
    ),
    want: [['outputs "x" and "y" both write table "t"', "6:10"]],
  },
  {
    name: "two nodes write one table",
    graph: fn(
      "  - node_file: a.ts",
      "    outputs: [t]",
      "  - node_file: b.ts",
      "    outputs: [t]",
    ),
    want: [['Table "t" is written by two nodes, "A" (line 4) and "B"', "6:15"]],
  },
  {
    name: "input produced by nothing",
    graph: fn(
      "  - node_file: a.ts",
      "    outputs: [raw_lead]",
      "  - node_file: b.ts",
      "    title: Score Leads",
      "    inputs:",
      "      leads: raw_leads",
    ),
    want: [[
      'Cannot run node "Score Leads": input table "raw_leads" is produced by no node and declared in no store (did you mean "raw_lead"?): add it under stores: or wire it to a node\'s outputs',
      "8:7",
    ]],
  },
  {
    name: "two-node cycle",
    graph: fn(
      "  - node_file: a.ts",
      "    inputs: [tb]",
      "    outputs: [ta]",
      "  - node_file: b.ts",
      "    inputs: [ta]",
      "    outputs: [tb]",
    ),
    want: [['Cycle in the graph: "A" → "B" → "A"', "4:14"]],
  },
  {
    name: "three-node cycle, named node by node",
    graph: fn(
      "  - node_file: a.ts",
      "    inputs: {in: tc}",
      "    outputs: [ta]",
      "  - node_file: b.ts",
      "    inputs: [ta]",
      "    outputs: [tb]",
      "  - node_file: c.ts",
      "    inputs: [tb]",
      "    outputs: [tc]",
    ),
    want: [['Cycle in the graph: "A" → "B" → "C" → "A"', "4:14"]],
  },
  {
    name: "bad cron",
    graph: fn("  - node_file: a.ts", '    trigger: "0 25 * * *"'),
    want: [["field 2 (hour) value 25 is out of range 0-23", "4:14"]],
  },
  {
    name: "cron with a seconds field",
    graph: fn("  - node_file: a.ts", "    trigger: 0 0 6 * * *"),
    want: [["there is no seconds field", "4:14"]],
  },
  {
    name: "bad timeout",
    graph: fn("  - node_file: a.ts", "    timeout: 10 minutes"),
    want: [['timeout "10 minutes" is not a positive duration', "4:14"]],
  },
  {
    name: "zero timeout",
    graph: fn("  - node_file: a.ts", "    timeout: 0"),
    want: [["timeout 0 is not a positive duration", "4:14"]],
  },
  {
    name: "forbidden permission",
    graph: fn("  - node_file: a.ts", "    permissions:", "      run: [git]"),
    want: [['permission "run" is never granted to nodes', "5:7"]],
  },
  {
    name: "net entry with a scheme and a path",
    graph: fn(
      "  - node_file: a.ts",
      "    permissions:",
      "      net: [ok.com, https://x.com/api]",
    ),
    want: [[
      'permissions.net entry "https://x.com/api" has a scheme: write only the host, e.g. "x.com"',
      "5:21",
    ]],
  },
  {
    name: "net entry with a bad port",
    graph: fn(
      "  - node_file: a.ts",
      "    permissions:",
      "      net:",
      "        - db.local:70000",
    ),
    want: [['"db.local:70000" has an invalid port "70000"', "6:11"]],
  },
  {
    name: "bare IPv6 net entry",
    graph: fn("  - node_file: a.ts", "    permissions:", '      net: ["::1"]'),
    want: [["looks like an IPv6 address: wrap it in brackets", "5:13"]],
  },
  {
    name: "bad env name",
    graph: fn(
      "  - node_file: a.ts",
      "    permissions:",
      "      env: [API-KEY]",
    ),
    want: [['permissions.env entry "API-KEY" is not a variable name', "5:13"]],
  },
  {
    name: "write path outside the app dir",
    graph: fn(
      "  - node_file: a.ts",
      "    permissions:",
      "      write: [out, ../elsewhere]",
    ),
    want: [[
      'permissions.write entry "../elsewhere" is outside the app directory',
      "5:20",
    ]],
  },
  {
    name: "scalar where a permission list belongs",
    graph: fn(
      "  - node_file: a.ts",
      "    permissions:",
      "      net: example.com",
    ),
    want: [[
      'permissions.net must be a list, not the string "example.com": put the value in a list, e.g. net: [example.com]',
      "5:12",
    ]],
  },
  {
    name: "list where a mapping belongs",
    graph: fn("  - node_file: a.ts", "    permissions: [net]"),
    want: [["permissions must be a mapping, not a list", "4:18"]],
  },
  {
    name: "mapping where a list belongs",
    graph: y("stores:", "  table: leads"),
    want: [[
      'stores must be a list, not a mapping: write each entry as a "- " item',
      "2:3",
    ]],
  },
  {
    name: "scalar where a mapping belongs",
    graph: fn("  - node_file: a.ts", "    parameters: 5"),
    want: [[
      "parameters must be a mapping of name: value, not the number 5",
      "4:17",
    ]],
  },
  {
    name: "scalar in place of a function entry",
    graph: fn("  - a.ts"),
    want: [[
      'functions entry 1 must be a mapping, not the string "a.ts": e.g. - node_file: score_leads.ts',
      "3:5",
    ]],
  },
  {
    name: "scalar as inputs",
    graph: y(
      "stores: [{table: leads}]",
      "functions:",
      "  - node_file: a.ts",
      "    inputs: leads",
    ),
    want: [[
      'inputs must be a list of table names or a mapping port: table, not the string "leads": e.g. inputs: [leads]',
      "4:13",
    ]],
  },
  {
    name: "empty file",
    graph: "",
    want: [["graph.yml is empty", "1:1"]],
  },
  {
    name: "file with only comments",
    graph: y("# my app", "", "   # nothing yet"),
    want: [["graph.yml contains only comments", "1:1"]],
  },
  {
    name: "top level is a list",
    graph: y("- node_file: a.ts"),
    want: [[
      "graph.yml must be a mapping with keys like title: and functions:, not a list",
      "1:1",
    ]],
  },
  {
    name: "YAML syntax error",
    graph: y("title: T", "functions: [a, b", "stores: []"),
    want: [[
      "Invalid YAML: Flow sequence in block collection must be sufficiently indented",
      "3:1",
    ]],
  },
  {
    name: "tabs as indentation",
    graph: y("title: T", "functions:", "\t- node_file: a.ts"),
    want: [["tabs are not allowed as indentation: indent with spaces", "3:1"]],
  },
  {
    name: "duplicate YAML keys",
    graph: y("title: One", "functions: []", "title: Two"),
    want: [['graph.yml: duplicate key "title" (first set on line 1)', "3:1"]],
  },
  {
    name: "wrong type for title",
    graph: y("title: [1, 2]"),
    want: [["title must be a string, not a list", "1:8"]],
  },
  {
    name: "number where a string belongs",
    graph: fn("  - node_file: a.ts", "    title: 2024"),
    want: [[
      'title must be a string, not the number 2024: put it in quotes ("2024")',
      "4:12",
    ]],
  },
  {
    name: "wrong type for version",
    graph: fn("  - node_file: a.ts", "    version: [1]"),
    want: [["version must be a string or a number, not a list", "4:14"]],
  },
  {
    name: "parameters and parameter_values both present",
    graph: fn(
      "  - node_file: a.ts",
      "    parameters: {a: 1}",
      "    parameter_values: {b: 2}",
    ),
    want: [["both parameters: and parameter_values: are set", "5:5"]],
  },
  {
    name: "bad parameter name",
    graph: fn(
      "  - node_file: a.ts",
      "    parameter_values:",
      "      max-rows: 5",
    ),
    want: [['parameter name "max-rows" is not valid', "5:7"]],
  },
  {
    name: "bad port name",
    graph: y(
      "stores: [{table: t}]",
      "functions:",
      "  - node_file: a.ts",
      "    inputs:",
      "      bad-port: t",
    ),
    want: [['inputs: port name "bad-port" is not a valid name', "5:7"]],
  },
  {
    name: "bad table name",
    graph: fn("  - node_file: a.ts", "    outputs:", "      out: 9lives"),
    want: [['outputs: table name "9lives" is not a valid name', "5:12"]],
  },
  {
    name: "reserved table names",
    graph: y(
      "stores:",
      "  - table: _runnel_runs",
      "functions:",
      "  - node_file: a.ts",
      "    outputs: [__x]",
    ),
    want: [
      ['table name "_runnel_runs" is reserved', "2:12"],
      ['table name "__x" is reserved', "5:15"],
    ],
  },
  {
    name: "a node reads and writes the same table",
    graph: y(
      "stores: [{table: t}]",
      "functions:",
      "  - node_file: a.ts",
      "    inputs: [t]",
      "    outputs: {o: t}",
    ),
    want: [[
      'Node "A" reads and writes table "t" (inputs.t on line 4)',
      "5:15",
    ]],
  },
  {
    name: "a node writes a webhook's table",
    graph: fn(
      "  - webhook: hooks",
      "  - node_file: a.ts",
      "    outputs: [hooks]",
    ),
    want: [[
      'Node "A" writes table "hooks", which webhook "webhook_hooks" (line 3) already produces',
      "5:15",
    ]],
  },
  {
    name: "webhook and node_file in one entry",
    graph: fn("  - webhook: hooks", "    node_file: a.ts"),
    want: [[
      "a function is either a node (node_file:) or a webhook (webhook:), not both",
      "4:5",
    ]],
  },
  {
    name: "unknown key on a webhook",
    graph: fn("  - webhook: hooks", "    outputs: [x]"),
    want: [['Webhook "hooks": unknown key "outputs"', "4:5"]],
  },
  {
    name: "empty function entry",
    graph: fn("  - node_file: a.ts", "  -"),
    want: [["functions entry 2 must be a mapping, not empty", "4:4"]],
  },
  {
    name: "two webhooks for one table",
    graph: fn("  - webhook: hooks", "  - webhook: hooks", "    id: second"),
    want: [[
      'table "hooks" already receives webhook "webhook_hooks" (line 3)',
      "4:14",
    ]],
  },
  {
    name: "several YAML documents",
    graph: y("title: A", "---", "title: B"),
    want: [["graph.yml must hold a single YAML document", "2:1"]],
  },
  {
    name: "timeout longer than a timer can hold",
    graph: fn("  - node_file: a.ts", "    timeout: 1000h"),
    want: [['timeout "1000h" is too long', "4:14"]],
  },
  {
    name: "cache: is not a boolean",
    graph: fn("  - node_file: a.ts", "    cache: yes"),
    want: [[
      'Node "A": cache must be true or false, not the string "yes"',
      "4:12",
    ]],
  },
  {
    name: "stage: is not a string",
    graph: fn("  - node_file: a.ts", "    stage: [load]"),
    want: [['Node "A": stage must be a string, not a list', "4:12"]],
  },
  {
    name: "stages: is not a list",
    graph: y("stages:", "  name: load"),
    want: [[
      'stages must be a list, not a mapping: write each entry as a "- " item',
      "2:3",
    ]],
  },
  {
    name: "stage entry without a name",
    graph: y("stages:", "  - functions: []"),
    want: [["stages entry 1: missing name: add name: <stage name>", "2:5"]],
  },
  {
    name: "unknown key in a stage entry",
    graph: fn(
      "  - node_file: a.ts",
      "stages:",
      "  - name: load",
      "    functons: [A]",
    ),
    want: [[
      'Stage "load": unknown key "functons": did you mean "functions"?',
      "6:5",
    ]],
  },
  {
    name: "a declared stage with no nodes",
    graph: fn(
      "  - node_file: a.ts",
      "stages:",
      "  - name: load",
      "    functions: []",
    ),
    want: [[
      'Stage "load" has no nodes: list them under functions: or set stage: load on a function (or remove the stage)',
      "5:5",
    ]],
  },
  {
    name: "duplicate stage names",
    graph: fn(
      "  - node_file: a.ts",
      "  - node_file: b.ts",
      "stages:",
      "  - name: load",
      "    functions: [a]",
      "  - name: load",
      "    functions: [b]",
    ),
    want: [[
      'Duplicate stage "load" (already declared on line 6): give each stage a different name, or merge the two entries',
      "8:11",
    ]],
  },
  {
    name: "stage lists an unknown function",
    graph: fn(
      "  - node_file: a.ts",
      "    title: Score",
      "stages:",
      "  - name: load",
      "    functions: [Scroe]",
    ),
    want: [[
      'Stage "load": no function with title or id "Scroe" (did you mean "Score"?): list functions by their title or id',
      "7:17",
    ]],
  },
  {
    name: "stage lists an unknown function, nothing close",
    graph: fn(
      "  - node_file: a.ts",
      "stages:",
      "  - name: load",
      "    functions: [zzz]",
    ),
    want: [['no function with title or id "zzz" (nodes: a ("A"))', "6:17"]],
  },
  {
    name: "stage lists a webhook",
    graph: fn(
      "  - webhook: hooks",
      "stages:",
      "  - name: load",
      "    functions: [webhook_hooks]",
    ),
    want: [[
      'Stage "load": "webhook_hooks" is webhook "webhook_hooks": only nodes (node_file:) belong to stages',
      "6:17",
    ]],
  },
  {
    name: "a node listed in two stages",
    graph: fn(
      "  - node_file: a.ts",
      "stages:",
      "  - name: load",
      "    functions: [A]",
      "  - name: report",
      "    functions:",
      "      - a",
    ),
    want: [[
      'Stage "report": "A" is already in stage "load" (line 6): a node belongs to one stage; remove it from one of them',
      "9:9",
    ]],
  },
  {
    name: "stage: disagrees with a stages: entry",
    graph: fn(
      "  - node_file: a.ts",
      "    stage: report",
      "stages:",
      "  - name: load",
      "    functions: [A]",
    ),
    want: [[
      'Node "A": stage "report" disagrees with the stages: entry "load", which lists it (line 7): keep one of them',
      "4:12",
    ]],
  },
  {
    name: "stages that depend on each other",
    graph: y(
      "stores: [{table: raw}]",
      "stages:",
      "  - name: load",
      "    functions: [Sum, Enrich]",
      "  - name: report",
      "    functions: [Report]",
      "functions:",
      "  - node_file: a.ts",
      "    title: Sum",
      "    inputs: [raw]",
      "    outputs: [totals]",
      "  - node_file: b.ts",
      "    title: Report",
      "    inputs: [totals]",
      "    outputs: [report]",
      "  - node_file: c.ts",
      "    title: Enrich",
      "    inputs: [report]",
      "    outputs: [enriched]",
    ),
    want: [[
      'Stages "load" and "report" depend on each other: "Report" (stage "report") reads "totals" written by "Sum" (stage "load"), and "Enrich" (stage "load") reads "report" written by "Report"; move a node to another stage',
      "4:22",
    ]],
  },
  {
    name: "a stage around a node without one",
    graph: fn(
      "  - node_file: a.ts",
      "    outputs: [ta]",
      "    stage: s",
      "  - node_file: b.ts",
      "    inputs: [ta]",
      "    outputs: [tb]",
      "  - node_file: c.ts",
      "    inputs: [tb]",
      "    stage: s",
    ),
    want: [[
      'Stage "s" and node "B" depend on each other: "B" (no stage) reads "ta" written by "A" (stage "s"), and "C" (stage "s") reads "tb" written by "B"; move a node to another stage',
      "11:12",
    ]],
  },
  {
    name: "three stages in a loop",
    graph: fn(
      "  - node_file: a.ts",
      "    outputs: [ta]",
      "    stage: x",
      "  - node_file: b.ts",
      "    inputs: [ta]",
      "    outputs: [tb]",
      "    stage: y",
      "  - node_file: c.ts",
      "    inputs: [tb]",
      "    outputs: [tc]",
      "    stage: z",
      "  - node_file: d.ts",
      "    inputs: [tc]",
      "    stage: x",
    ),
    files: ["a.ts", "b.ts", "c.ts", "d.ts"],
    want: [[
      'Stages "x", "y" and "z" depend on each other: "B" (stage "y") reads "ta" written by "A" (stage "x"), "C" (stage "z") reads "tb" written by "B", and "D" (stage "x") reads "tc" written by "C"; move a node to another stage',
      "16:12",
    ]],
  },
  {
    name: "a node loop is reported once, not again as a stage loop",
    graph: fn(
      "  - node_file: a.ts",
      "    inputs: [tb]",
      "    outputs: [ta]",
      "    stage: x",
      "  - node_file: b.ts",
      "    inputs: [ta]",
      "    outputs: [tb]",
      "    stage: y",
    ),
    want: [['Cycle in the graph: "A" → "B" → "A"', "4:14"]],
  },
  {
    name: "missing graph.yml",
    graph: undefined,
    want: [["No graph.yml in", "1:1"]],
  },
];

Deno.test("loadGraph: bad graphs", async (t) => {
  for (const c of BAD) {
    await t.step(c.name, async () => {
      const dir = await makeApp(c.graph, c.files);
      await c.setup?.(dir);
      assertIssues(await issuesOf(dir), c.want);
    });
  }
});

Deno.test("loadGraph: collects every issue in one error, sorted by position", async () => {
  const dir = await makeApp(y(
    "titel: T",
    "stores:",
    "  - table: leads",
    "  - table: leads",
    "functions:",
    "  - node_file: a.ts",
    "    inputs: [missing]",
    '    trigger: "61 * * * *"',
    "    timeout: soon",
    "  - node_file: x.rb",
    "  - node_file: b.ts",
    "    permissions: {ffi: true}",
  ));
  const issues = await issuesOf(dir);
  assertIssues(issues, [
    ['unknown key "titel"', "1:1"],
    ['Duplicate store table "leads"', "4:12"],
    ['input table "missing" is produced by no node', "7:14"],
    ["field 1 (minute) value 61 is out of range 0-59", "8:14"],
    ['timeout "soon"', "9:14"],
    ['unsupported extension ".rb"', "10:16"],
    ['permission "ffi" is never granted', "12:19"],
  ]);
  const lines = issues.map((i) => i.loc.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  const err = await loadGraph(dir, { displayFile: "graph.yml" }).catch((e) =>
    e
  );
  assert.equal(err.exitCode, 2);
  assert.match(err.message, /unknown key "titel".*\(graph\.yml:1:1\)\n/);
});

Deno.test("loadGraph: stages from stages: and stage:, and cache:", async () => {
  const dir = await makeApp(
    y(
      "title: T",
      "stores: [{table: raw}]",
      "stages:",
      "  - name: load",
      "    functions: [A, b] # a title and an id",
      "  - name: report",
      "functions:",
      "  - node_file: c.ts",
      "    inputs: [tb]",
      "    stage: report",
      "    cache: true",
      "  - node_file: a.ts",
      "    inputs: [raw]",
      "    outputs: [ta]",
      "    stage: load # agrees with the stages: entry",
      "  - node_file: b.ts",
      "    inputs: [ta]",
      "    outputs: [tb]",
      "    cache: false",
      "  - node_file: d.ts",
      "    inputs: [tb]",
      "    stage: extra",
      "  - node_file: e.ts",
      "    inputs: [raw]",
    ),
    ["a.ts", "b.ts", "c.ts", "d.ts", "e.ts"],
  );
  const g = await loadGraph(dir, { displayFile: "graph.yml" });
  assert.deepEqual(g.nodes.map((n) => [n.id, n.stage, n.cache]), [
    ["a", "load", undefined],
    ["b", "load", false],
    ["c", "report", true],
    ["d", "extra", undefined],
    ["e", undefined, undefined],
  ]);
  const at = (line: number, col: number) => ({ file: "graph.yml", line, col });
  assert.deepEqual(g.stages, [
    { name: "load", nodes: ["a", "b"], loc: at(4, 5) },
    { name: "report", nodes: ["c"], loc: at(6, 5) },
    { name: "extra", nodes: ["d"], loc: at(22, 12) },
  ]);
});

Deno.test("loadGraph: stages come in order of first mention; none by default", async () => {
  const dir = await makeApp(y(
    "functions:",
    "  - node_file: a.ts",
    "    outputs: [ta]",
    "    stage: late",
    "  - node_file: b.ts",
    "    inputs: [ta]",
    "stages:",
    "  - name: early",
    "    functions: [B]",
    "  - name: late # declared here, but first mentioned on line 4",
  ));
  const g = await loadGraph(dir, { displayFile: "graph.yml" });
  assert.deepEqual(g.stages.map((s) => [s.name, s.nodes, s.loc.line]), [
    ["late", ["a"], 10],
    ["early", ["b"], 8],
  ]);

  const plain = await loadGraph(await makeApp(fn("  - node_file: a.ts")));
  assert.deepEqual(plain.stages, []);
  assert.equal(plain.nodes[0]?.stage, undefined);
  assert.equal(plain.nodes[0]?.cache, undefined);
});

const PATTERNS_EXAMPLE = y(
  "title: Lead Scoring",
  "description_file: README.md",
  "stores:",
  "  - table: raw_leads",
  "    id: crm",
  "    schema: Lead",
  "  - table: scored_leads # a store may declare a table a node writes",
  "functions:",
  "  - node_file: nodes/report.ts",
  "    trigger: 0 7 * * MON-FRI",
  "    inputs: [scored_leads, form_posts]",
  "  - node_file: ./nodes/score_leads.ts",
  "    description_file: docs/score.md",
  "    inputs:",
  "      leads: raw_leads",
  "      enriched:",
  "    outputs:",
  "      scored: scored_leads",
  "    parameter_values:",
  "      threshold: 0.7",
  "      regions: [EU, US]",
  "    permissions:",
  "      net: [api.clearbit.com, localhost:8080, '[::1]:9000', 10.0.0.1]",
  "      read: [data/lookup.csv]",
  "      write: [out/]",
  "      env: [CLEARBIT_KEY]",
  "    version: 2",
  "    timeout: 1h30m",
  "  - node_file: nodes/enrich.sql",
  "    id: enrich-v2",
  "    title: Enrich with SQL",
  "    inputs: [raw_leads]",
  "    outputs: [enriched]",
  "    parameters: {limit: 100}",
  "    timeout: 45",
  "  - webhook: form_posts",
  "    title: Form posts",
);

Deno.test("loadGraph: the full Patterns example", async () => {
  const dir = await makeApp(PATTERNS_EXAMPLE, [
    "nodes/report.ts",
    "nodes/score_leads.ts",
    "nodes/enrich.sql",
    "README.md",
    "docs/score.md",
  ]);
  const g = await loadGraph(dir, { displayFile: "app/graph.yml" });
  assert.equal(g.dir, dir);
  assert.equal(g.file, join(dir, "graph.yml"));
  assert.equal(g.title, "Lead Scoring");
  assert.equal(g.slug, "lead-scoring");
  assert.equal(g.descriptionFile, join(dir, "README.md"));
  assert.deepEqual(g.stores, [
    {
      table: "raw_leads",
      id: "crm",
      schema: "Lead",
      loc: { file: "app/graph.yml", line: 4, col: 5 },
    },
    { table: "scored_leads", loc: { file: "app/graph.yml", line: 7, col: 5 } },
  ]);
  assert.deepEqual(g.webhooks, [
    {
      table: "form_posts",
      id: "webhook_form_posts",
      loc: { file: "app/graph.yml", line: 36, col: 5 },
    },
  ]);

  // Topological order: enrich (file order 3) must precede score_leads (2), which precedes report (1).
  assert.deepEqual(g.nodes.map((n) => n.id), [
    "enrich-v2",
    "score_leads",
    "report",
  ]);
  assert.deepEqual(
    [...g.producers],
    [["scored_leads", "score_leads"], ["enriched", "enrich-v2"]],
  );

  const [enrich, score, report] = g.nodes;
  assert.ok(enrich && score && report);
  assert.deepEqual(upstreamOf(g, score), ["enrich-v2"]);

  assert.equal(report.title, "Report");
  assert.deepEqual(report.trigger, { kind: "cron", expr: "0 7 * * MON-FRI" });
  assert.deepEqual(report.inputs, {
    scored_leads: "scored_leads",
    form_posts: "form_posts",
  });
  assert.equal(report.timeoutMs, DEFAULT_TIMEOUT_MS);
  assert.deepEqual(report.permissions, {
    net: [],
    read: [],
    write: [],
    env: [],
  });

  assert.equal(score.title, "Score Leads");
  assert.equal(score.kind, "ts");
  assert.equal(score.file, join(dir, "nodes/score_leads.ts"));
  assert.equal(score.relFile, "nodes/score_leads.ts");
  assert.equal(score.descriptionFile, join(dir, "docs/score.md"));
  assert.deepEqual(score.trigger, { kind: "manual" });
  assert.deepEqual(score.inputs, { leads: "raw_leads", enriched: "enriched" });
  assert.deepEqual(score.outputs, { scored: "scored_leads" });
  assert.deepEqual(score.parameterValues, {
    threshold: 0.7,
    regions: ["EU", "US"],
  });
  assert.deepEqual(score.permissions, {
    net: ["api.clearbit.com", "localhost:8080", "[::1]:9000", "10.0.0.1"],
    read: [join(dir, "data/lookup.csv")],
    write: [join(dir, "out")],
    env: ["CLEARBIT_KEY"],
  });
  assert.equal(score.version, "2");
  assert.equal(score.timeoutMs, 90 * 60 * 1000);
  const at = (key: string) => {
    const l = score.keyLocs[key];
    return l && `${l.file}:${l.line}:${l.col}`;
  };
  assert.equal(at("node_file"), "app/graph.yml:12:16");
  assert.equal(at("inputs.leads"), "app/graph.yml:15:7");
  assert.equal(at("inputs.enriched"), "app/graph.yml:16:7");
  assert.equal(at("outputs.scored"), "app/graph.yml:18:7");
  assert.equal(at("parameters.threshold"), "app/graph.yml:20:7");
  assert.equal(at("permissions"), "app/graph.yml:22:5");
  assert.equal(at("permissions.net"), "app/graph.yml:23:7");
  assert.equal(at("timeout"), "app/graph.yml:28:14");
  assert.deepEqual(score.loc, { file: "app/graph.yml", line: 12, col: 5 });

  assert.equal(enrich.kind, "sql");
  assert.equal(enrich.title, "Enrich with SQL");
  assert.deepEqual(enrich.parameterValues, { limit: 100 });
  assert.equal(enrich.timeoutMs, 45_000);
  assert.equal(report.keyLocs["inputs.form_posts"]?.col, 28);
});

Deno.test("loadGraph: ties keep file order; ids and titles derive from file names", async () => {
  const dir = await makeApp(
    y(
      "functions:",
      "  - node_file: nodes/Load CSV.ts",
      "    outputs: [rows]",
      "  - node_file: z-last.mjs",
      "  - node_file: nodes/a_first.tsx",
      "    inputs: [rows]",
      "  - node_file: b.jsx",
      "  - node_file: c.js",
    ),
    ["nodes/Load CSV.ts", "z-last.mjs", "nodes/a_first.tsx", "b.jsx", "c.js"],
  );
  const g = await loadGraph(dir);
  assert.deepEqual(g.nodes.map((n) => n.id), [
    "load_csv",
    "z-last",
    "a_first",
    "b",
    "c",
  ]);
  assert.deepEqual(g.nodes.map((n) => n.title), [
    "Load CSV",
    "Z Last",
    "A First",
    "B",
    "C",
  ]);
  assert.ok(g.nodes.every((n) => n.kind === "ts"));
  // No title: falls back to the directory name.
  assert.equal(g.title, basename(dir));
  assert.match(g.slug, /^app-\d+$/);
});

Deno.test("loadGraph: explicit slug, null-mapped ports and empty sections", async () => {
  const dir = await makeApp(y(
    "title: Ünïcode & Friends!",
    "stores:",
    "functions:",
    "  - node_file: a.ts",
    "    inputs:",
    "    outputs:",
    "      out:",
    "    permissions:",
    "      net:",
    "  - node_file: b.ts",
    "    permissions: &shared",
    "      env: [TOKEN]",
    "    inputs:",
    "      - &table out",
    "  - node_file: c.ts",
    "    permissions: *shared",
    "    inputs: [*table]",
  ));
  const g = await loadGraph(dir);
  assert.equal(g.slug, "unicode-friends");
  assert.deepEqual(g.nodes[0]?.outputs, { out: "out" });
  assert.deepEqual(g.nodes[0]?.inputs, {});
  // Anchors and aliases resolve.
  assert.deepEqual(g.nodes[2]?.permissions.env, ["TOKEN"]);
  assert.deepEqual(g.nodes[2]?.inputs, { out: "out" });

  const dir2 = await makeApp(y("title: X", "slug: my_app-2", "functions: []"));
  assert.equal((await loadGraph(dir2)).slug, "my_app-2");
});

Deno.test("loadGraph: default displayFile is relative to the working directory", async () => {
  const root = await Deno.makeTempDir({ dir: ROOT });
  await Deno.mkdir(join(root, "app"));
  const cwd = Deno.cwd();
  Deno.chdir(root);
  try {
    const err = await loadGraph("app").catch((e) => e);
    assert.ok(err instanceof GraphError);
    assert.deepEqual(err.issues[0]?.loc, {
      file: join("app", "graph.yml"),
      line: 1,
      col: 1,
    });
  } finally {
    Deno.chdir(cwd);
  }
  const err = await loadGraph(join(root, "app")).catch((e) => e);
  assert.equal(err.issues[0]?.loc.file, join(root, "app", "graph.yml"));
});

Deno.test("parseGraph: works on an in-memory file system", () => {
  const files = new Set(["/app/a.ts", "/app/sub/b.sql"]);
  const fs: GraphFs = {
    readTextFile: () => {
      throw new Error("not used");
    },
    stat: (p) =>
      files.has(p)
        ? "file"
        : p === "/app" || p === "/app/sub"
        ? "dir"
        : undefined,
    realPath: (p) => p,
  };
  const g = parseGraph(
    y(
      "title: Mem",
      "stores: [{table: src}]",
      "functions:",
      "  - node_file: a.ts",
      "    inputs: [src]",
      "    outputs: {o: mid}",
      "  - node_file: sub/b.sql",
      "    inputs: {m: mid}",
    ),
    { dir: "/app", file: "/app/graph.yml", displayFile: "mem.yml", fs },
  );
  assert.deepEqual(g.nodes.map((n) => [n.id, n.kind, n.relFile]), [
    ["a", "ts", "a.ts"],
    ["b", "sql", "sub/b.sql"],
  ]);
  assert.equal(g.nodes[1]?.keyLocs["inputs.m"]?.file, "mem.yml");

  assert.throws(
    () =>
      parseGraph(y("functions:", "  - node_file: gone.ts"), {
        dir: "/app",
        file: "/app/graph.yml",
        displayFile: "mem.yml",
        fs,
      }),
    (e: unknown) =>
      e instanceof GraphError && e.issues[0]?.loc.line === 2 &&
      e.issues[0].loc.col === 16,
  );
});
