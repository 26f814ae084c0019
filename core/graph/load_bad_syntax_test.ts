// loadGraph: bad graphs — keys, files, ids and wiring: each case is an invalid app and the issues, with line:col, it must produce.

import { join } from "node:path";
import {
  type BadCase,
  badGraphTest,
  fn,
  scratchPath,
  y,
} from "./_load_test_util.ts";

const CASES: BadCase[] = [
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
      const outside = scratchPath("outside") + ".ts";
      await Deno.writeTextFile(outside, "// not in the app\n");
      await Deno.symlink(outside, join(dir, "link.ts"));
    },
    want: [["through a symlink, which is outside the app directory", "3:16"]],
  },
  {
    name: "node file inside a symlinked directory that leaves the app",
    graph: fn("  - node_file: linked/a.ts"),
    setup: async (dir) => {
      const outside = scratchPath("outside_dir");
      await Deno.mkdir(outside);
      await Deno.writeTextFile(join(outside, "a.ts"), "// not in the app\n");
      await Deno.symlink(outside, join(dir, "linked"));
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
    name: "memory that is not a size",
    graph: fn("  - node_file: a.ts", "    memory: lots"),
    want: [['memory "lots" is not a size: use e.g. 512MB or 2GB', "4:13"]],
  },
  {
    name: "memory in an unknown unit",
    graph: fn("  - node_file: a.ts", "    memory: 512KB"),
    want: [['memory "512KB" is not a size', "4:13"]],
  },
  {
    name: "memory out of range",
    graph: fn(
      "  - node_file: a.ts",
      "    memory: 16MB",
      "  - node_file: b.ts",
      "    memory: 100GB",
    ),
    want: [
      ['memory "16MB" is out of range: give between 32MB and 64GB', "4:13"],
      ['memory "100GB" is out of range', "6:13"],
    ],
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
];

badGraphTest("loadGraph: bad graphs — keys, files, ids and wiring", CASES);
