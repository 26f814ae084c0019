// loadGraph: bad graphs — webhooks, stages and app files: each case is an invalid app and the issues, with line:col, it must produce.

import { type BadCase, badGraphTest, fn, y } from "./_load_test_util.ts";

const CASES: BadCase[] = [
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
    name: "isolate: is not a boolean",
    graph: fn("  - node_file: a.ts", "    isolate: 1"),
    want: [[
      'Node "A": isolate must be true or false, not the number 1',
      "4:14",
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

badGraphTest("loadGraph: bad graphs — webhooks, stages and app files", CASES);
