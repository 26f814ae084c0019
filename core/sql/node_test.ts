import assert from "node:assert/strict";
import { NodeContractError, NodeFailedError } from "../errors.ts";
import { DEFAULT_TIMEOUT_MS, type NodeSpec } from "../graph/graph.ts";
import {
  executeSqlNode,
  normalizedSqlForCache,
  sqlNodeParameters,
  sqlOutputTable,
} from "./node.ts";
import type { Publication } from "../../stores/store.ts";

function node(over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    id: "score",
    title: "Score",
    file: "/app/nodes/score.sql",
    relFile: "nodes/score.sql",
    kind: "sql",
    trigger: { kind: "manual" },
    inputs: { leads: "raw_leads", deals: "crm_deals" },
    outputs: { output_table: "scored" },
    parameterValues: {},
    permissions: { net: [], read: [], write: [], env: [] },
    timeoutMs: DEFAULT_TIMEOUT_MS,
    loc: { file: "graph.yml", line: 3, col: 3 },
    keyLocs: {},
    ...over,
  };
}

interface Call {
  table: string;
  sql: string;
  params: unknown[];
  allowed: string[];
}

/** A recording stand-in: only sqlName and materialize are used. */
function fakePublication(fail?: Error): { pub: Publication; calls: Call[] } {
  const calls: Call[] = [];
  const unused = () => {
    throw new Error("not used by SQL nodes");
  };
  const pub: Publication = {
    init: unused,
    describe: unused,
    append: unused,
    upsert: unused,
    truncate: unused,
    read: unused,
    count: unused,
    query: unused,
    setState: unused,
    setNodeCache: unused,
    commit: unused,
    discard: unused,
    sqlName: (table) => Promise.resolve(`"_v_${table}_1"`),
    materialize: (table, sql, params, allowed) => {
      calls.push({ table, sql, params, allowed });
      return fail ? Promise.reject(fail) : Promise.resolve(42);
    },
  };
  return { pub, calls };
}

const SRC = `-- best leads
SELECT l.id, l.score
FROM {{ Table("leads") }} AS l
WHERE l.score >= {{ Parameter("min", type="float", default=0.5) }}
  AND l.id IN ({{ Parameter("ids", type="list") }});
`;

Deno.test("executeSqlNode materializes the rendered SELECT into the output", async () => {
  const { pub, calls } = fakePublication();
  const out = await executeSqlNode({
    node: node(),
    publication: pub,
    values: { ids: "3,4" },
    source: SRC,
  });
  assert.deepEqual(out, { rowsWritten: 42 });
  assert.deepEqual(calls, [{
    table: "scored",
    sql: `-- best leads
SELECT l.id, l.score
FROM "_v_raw_leads_1" AS l
WHERE l.score >= ?
  AND l.id IN (?, ?) 
`,
    params: [0.5, "3", "4"],
    allowed: ["raw_leads"],
  }]);
});

Deno.test("executeSqlNode reads the node file when no source is given", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/q.sql`;
    await Deno.writeTextFile(
      file,
      `SELECT * FROM {{ Table("deals") }} JOIN {{ Table("leads") }} USING (id)`,
    );
    const { pub, calls } = fakePublication();
    await executeSqlNode({
      node: node({ file }),
      publication: pub,
      values: {},
    });
    assert.deepEqual(calls[0]?.allowed, ["crm_deals", "raw_leads"]);
    await assert.rejects(
      executeSqlNode({
        node: node({ file: `${dir}/missing.sql` }),
        publication: pub,
        values: {},
      }),
      (err: unknown) =>
        err instanceof NodeContractError &&
        /Cannot read SQL node "Score" from nodes\/score\.sql/.test(err.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sqlOutputTable: output_table, else the only output", () => {
  assert.equal(sqlOutputTable(node()), "scored");
  assert.equal(
    sqlOutputTable(node({ outputs: { a: "x", output_table: "y" } })),
    "y",
  );
  assert.equal(sqlOutputTable(node({ outputs: { result: "r" } })), "r");
  assert.equal(sqlOutputTable(node({ outputs: { a: "r", b: "r" } })), "r");
  assert.throws(
    () => sqlOutputTable(node({ outputs: {} })),
    (err: unknown) =>
      err instanceof NodeContractError &&
      /SQL node "Score" \(nodes\/score\.sql\) declares no output table.*add one under outputs:/
        .test(err.message),
  );
  assert.throws(
    () => sqlOutputTable(node({ outputs: { a: "x", b: "y" } })),
    (err: unknown) =>
      err instanceof NodeContractError &&
      /declares several outputs \(a, b\).*name the one it writes output_table under outputs:/
        .test(err.message),
  );
});

Deno.test("executeSqlNode refuses a Table() that is not an input", async () => {
  const { pub, calls } = fakePublication();
  await assert.rejects(
    executeSqlNode({
      node: node(),
      publication: pub,
      values: {},
      source: `SELECT *\nFROM {{ Table("scored") }}`,
    }),
    (err: unknown) =>
      err instanceof NodeContractError &&
      /reads \{\{ Table\("scored"\) \}\} \(nodes\/score\.sql:2:6\), but "scored" is not one of its inputs \(leads, deals\): add it under inputs:/
        .test(err.message),
  );
  assert.equal(calls.length, 0);
});

Deno.test("executeSqlNode reports a missing parameter before touching the store", async () => {
  const { pub, calls } = fakePublication();
  await assert.rejects(
    executeSqlNode({ node: node(), publication: pub, values: {}, source: SRC }),
    (err: unknown) =>
      err instanceof NodeContractError &&
      /parameter "ids" .*pass --param ids=<value>/.test(err.message),
  );
  assert.equal(calls.length, 0);
});

Deno.test("executeSqlNode maps database errors to a line of the file", async () => {
  const cause = new Error(`query() failed: no such column: l.scor`);
  const { pub } = fakePublication(cause);
  const src = `SELECT l.id,\n  l.scor\nFROM {{ Table("leads") }} l`;
  await assert.rejects(
    executeSqlNode({ node: node(), publication: pub, values: {}, source: src }),
    (err: unknown) => {
      assert.ok(err instanceof NodeFailedError);
      assert.equal(
        err.message,
        "SQL error in nodes/score.sql:2: no such column: l.scor",
      );
      assert.equal(err.cause, cause);
      return true;
    },
  );
  const { pub: pub1 } = fakePublication(
    new Error(`near ""_v_raw_leads_1"": syntax error`),
  );
  await assert.rejects(
    executeSqlNode({
      node: node(),
      publication: pub1,
      values: {},
      source: `SELECT id\nFROMM {{ Table("leads") }}`,
    }),
    (err: unknown) =>
      err instanceof NodeFailedError &&
      err.message ===
        `SQL error in nodes/score.sql:2: near "{{ Table("leads") }}": syntax error`,
  );
  const { pub: pub2 } = fakePublication(new Error("database is locked"));
  await assert.rejects(
    executeSqlNode({
      node: node(),
      publication: pub2,
      values: {},
      source: src,
    }),
    /^NodeFailedError: SQL error in nodes\/score\.sql: database is locked$/,
  );
});

Deno.test("sqlNodeParameters and normalizedSqlForCache", () => {
  assert.deepEqual(sqlNodeParameters(SRC, "nodes/score.sql"), [
    { name: "min", type: "float", default: 0.5 },
    { name: "ids", type: "list" },
  ]);
  assert.equal(
    normalizedSqlForCache(SRC, "x.sql"),
    normalizedSqlForCache(
      SRC.replaceAll("\n", "\n\n  ").replace("-- best leads", ""),
      "x.sql",
    ),
  );
  assert.throws(
    () => sqlNodeParameters("UPDATE t SET a = 1", "nodes/u.sql"),
    /nodes\/u\.sql:1:1: an SQL node is one SELECT/,
  );
});
