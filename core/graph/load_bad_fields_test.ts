// loadGraph: bad graphs — permissions, ports and YAML: each case is an invalid app and the issues, with line:col, it must produce.

import { type BadCase, badGraphTest, fn, y } from "./_load_test_util.ts";

const CASES: BadCase[] = [
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
    name: "read or write grants reaching the store directory",
    graph: fn(
      "  - node_file: a.ts",
      "    permissions:",
      "      read: [data, ., .runnel/runnel.db]",
      "      write: [./.runnel]",
    ),
    want: [
      [
        'permissions.read entry "." includes .runnel/, where Runnel keeps the app\'s store',
        "5:20",
      ],
      ['permissions.read entry ".runnel/runnel.db" includes .runnel/', "5:23"],
      ['permissions.write entry "./.runnel" includes .runnel/', "6:15"],
    ],
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
    name: "a cascade of YAML errors shows the first three and counts the rest",
    graph: y(
      "  - table: a",
      "# a line pasted above the keys",
      "title: T",
      "functions:",
      "  - node_file: a.ts",
      "    title: A",
    ),
    want: [
      ["Invalid YAML: Unexpected scalar at node end", "3:1"],
      ["Invalid YAML: Unexpected map-value-ind token", "3:6"],
      ['Invalid YAML: Unexpected scalar token in YAML stream: "T"', "3:8"],
      [
        "Invalid YAML: 9 more YAML errors from here on, most likely caused by the ones above: fix those first",
        "4:1",
      ],
    ],
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
];

badGraphTest("loadGraph: bad graphs — permissions, ports and YAML", CASES);
