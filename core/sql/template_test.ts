import assert from "node:assert/strict";
import { NodeContractError } from "../errors.ts";
import { lineOfSqlError, parseSqlTemplate } from "./template.ts";

const F = "nodes/q.sql";
const quote = (port: string) => Promise.resolve(`"t_${port}"`);

function contractError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NodeContractError, String(err));
    assert.match(err.message, re);
    return true;
  });
}

async function rejectsContract(p: Promise<unknown>, re: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof NodeContractError, String(err));
    assert.match(err.message, re);
    return true;
  });
}

Deno.test("renders tables to resolved names and parameters to ?", async () => {
  const t = parseSqlTemplate(
    `SELECT * FROM {{ Table("leads") }} l JOIN {{Table('deals')}} d ON l.id = d.id
WHERE score > {{ Parameter("min", type="float", default=0.5) }}`,
    F,
  );
  assert.deepEqual(t.tables, ["leads", "deals"]);
  assert.deepEqual(t.tableRefs.map((r) => r.loc), [
    { file: F, line: 1, col: 15 },
    { file: F, line: 1, col: 43 },
  ]);
  assert.deepEqual(t.parameters, [{
    name: "min",
    type: "float",
    default: 0.5,
  }]);
  const r = await t.render(quote, {});
  assert.equal(
    r.sql,
    `SELECT * FROM "t_leads" l JOIN "t_deals" d ON l.id = d.id
WHERE score > ?`,
  );
  assert.deepEqual(r.params, [0.5]);
});

Deno.test("tags in comments and string literals are plain text", async () => {
  const text = `-- {{ Table("nope") }} and {{ broken
SELECT '{{ Parameter("x") }}' AS a, "{{ odd }}" AS b, [c  d] AS c /* {{ Wat( */
FROM {{ Table("src") }}`;
  const t = parseSqlTemplate(text, F);
  assert.deepEqual(t.tables, ["src"]);
  assert.deepEqual(t.parameters, []);
  const r = await t.render(quote, {});
  assert.equal(r.sql, text.replace(`{{ Table("src") }}`, `"t_src"`));
  assert.deepEqual(r.params, []);
});

Deno.test("parameters bind in order of use, repeats included", async () => {
  const t = parseSqlTemplate(
    `SELECT {{ Parameter("a", type="integer") }} AS a1,
  {{ Parameter('b', default="x") }} AS b,
  {{ Parameter("a") }} AS a2
FROM {{ Table("t") }} WHERE n < {{ Parameter("a") }}`,
    F,
  );
  assert.deepEqual(t.parameters, [
    { name: "a", type: "integer" },
    { name: "b", type: "string", default: "x" },
  ]);
  const r = await t.render(quote, { a: "7" });
  assert.deepEqual(r.params, [7, "x", 7, 7]);
  assert.equal(r.sql.match(/\?/g)?.length, 4);
});

Deno.test("every declared type is coerced", async () => {
  const t = parseSqlTemplate(
    `SELECT {{ Parameter("s", type="string") }}, {{ Parameter("i", type="integer") }},
  {{ Parameter("f", type="float") }}, {{ Parameter("b", type="boolean") }},
  {{ Parameter("d", type="date") }}, {{ Parameter("dt", type="datetime") }}
FROM {{ Table("t") }} WHERE x IN ({{ Parameter("l", type="list") }})`,
    F,
  );
  const r = await t.render(quote, {
    s: 12,
    i: "-3",
    f: "2.5",
    b: "yes",
    d: "2026-01-31",
    dt: "2026-01-31T12:00:00Z",
    l: "a, b,c",
  });
  assert.deepEqual(r.params, [
    "12",
    -3,
    2.5,
    true,
    "2026-01-31",
    new Date("2026-01-31T12:00:00Z"),
    "a",
    "b",
    "c",
  ]);
  assert.match(r.sql, /x IN \(\?, \?, \?\)$/);
  const empty = await t.render(quote, {
    s: "",
    i: 1,
    f: 1,
    b: false,
    d: "2026-01-01",
    dt: new Date(0),
    l: [],
  });
  assert.match(empty.sql, /x IN \(SELECT NULL WHERE 1 = 0\)$/);
  assert.equal(empty.params.length, 6);
});

Deno.test("defaults apply, values override them, bad values are named", async () => {
  const t = parseSqlTemplate(
    `SELECT * FROM {{ Table("t") }}
WHERE n < {{ Parameter("limit", type="integer", default=10) }}
  AND k = {{ Parameter("key", secret=true, description="API key") }}
  AND tag IN ({{ Parameter("tags", default=["a", "b"]) }})`,
    F,
  );
  assert.deepEqual(t.parameters, [
    { name: "limit", type: "integer", default: 10 },
    { name: "key", type: "string", secret: true, description: "API key" },
    { name: "tags", type: "list", default: ["a", "b"] },
  ]);
  assert.deepEqual((await t.render(quote, { key: "k" })).params, [
    10,
    "k",
    "a",
    "b",
  ]);
  assert.deepEqual(
    (await t.render(quote, { key: "k", limit: "3", tags: "z" })).params,
    [3, "k", "z"],
  );
  await rejectsContract(
    t.render(quote, {}),
    /parameter "key" \(string, nodes\/q\.sql:3:11\) has no value and no default: pass --param key=<value>/,
  );
  await rejectsContract(
    t.render(quote, { key: "k", limit: "many" }),
    /parameter "limit" \(nodes\/q\.sql:2:11\) must be integer: expected an integer, got "many"/,
  );
  await rejectsContract(
    t.render(quote, { key: { a: 1 } }),
    /^(?!.*\{).*"key".*the value given is not valid$/,
  );
  await rejectsContract(
    t.render(quote, { key: "k", tags: [{ a: 1 }] }),
    /"tags".*must be list: expected a list of strings/,
  );
});

Deno.test("each table port is resolved once", async () => {
  const asked: string[] = [];
  const t = parseSqlTemplate(
    `SELECT * FROM {{ Table("a") }} x, {{ Table("a") }} y, {{ Table("b") }}`,
    F,
  );
  await t.render((p) => {
    asked.push(p);
    return quote(p);
  }, {});
  assert.deepEqual(asked, ["a", "b"]);
});

Deno.test("rendering keeps the line structure and drops a final ;", async () => {
  const text = `SELECT {{ Parameter(
    "x",
    default=1
  ) }} AS x
FROM {{ Table("t") }}; -- done`;
  const r = await parseSqlTemplate(text, F).render(quote, {});
  assert.equal(r.sql, `SELECT ?\n\n\n AS x\nFROM "t_t"  -- done`);
  assert.equal(r.sql.split("\n").length, text.split("\n").length);
});

Deno.test("unknown tags and bad tag syntax name file:line:col", () => {
  contractError(
    () => parseSqlTemplate(`SELECT 1\nFROM  {{ Secret("x") }}`, F),
    /^nodes\/q\.sql:2:10: unknown template tag \{\{ Secret\("x"\) \}\}/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT * FROM {{ this }}`, F),
    /^nodes\/q\.sql:1:18: unknown template tag.*Table\("port"\)/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT *\n  FROM {{ Table("t") `, F),
    /^nodes\/q\.sql:2:8: this \{\{ tag is never closed/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT {{ Parameter("x", type=float) }}`, F),
    /^nodes\/q\.sql:1:31: bad template tag .*expected a literal/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT {{ Parameter("x" "y") }}`, F),
    /^nodes\/q\.sql:1:25: bad template tag .*expected , or \)/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT {{ Parameter("x", colour="red") }}`, F),
    /:1:33: Parameter\(\) has no argument "colour"/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT {{ Parameter("x", type="number") }}`, F),
    /:1:31: type of parameter "x" must be one of string, integer/,
  );
  contractError(
    () =>
      parseSqlTemplate(
        `SELECT {{ Parameter("x", type="integer", default="a") }}`,
        F,
      ),
    /:1:50: default of parameter "x" does not fit type integer/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT {{ Parameter("1x") }}`, F),
    /:1:21: Parameter\(\) takes the parameter name/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT {{ Table(1) }}`, F),
    /:1:17: Table\(\) takes one port name/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT 'abc\n\nFROM t`, F),
    /^nodes\/q\.sql:1:8: this string literal is never closed/,
  );
  contractError(
    () => parseSqlTemplate(`SELECT 1 /* open`, F),
    /:1:10: this \/\* comment is never closed/,
  );
});

Deno.test("conflicting declarations of one parameter are an error", () => {
  contractError(
    () =>
      parseSqlTemplate(
        `SELECT {{ Parameter("x", type="integer") }},\n {{ Parameter("x", type="float") }}`,
        F,
      ),
    /:2:25: conflicting declarations of parameter "x": type="float" here but type="integer" at nodes\/q\.sql:1:31/,
  );
  const t = parseSqlTemplate(
    `SELECT {{ Parameter("x", type="integer") }}, {{ Parameter("x", default=3, description="d") }}`,
    F,
  );
  assert.deepEqual(t.parameters, [
    { name: "x", type: "integer", default: 3, description: "d" },
  ]);
});

Deno.test("only one SELECT (or WITH … SELECT) is accepted", () => {
  for (
    const [sql, re] of [
      [
        `DELETE FROM {{ Table("t") }}`,
        /:1:1: an SQL node is one SELECT .* replaces its output table; this one starts with "DELETE"/,
      ],
      [`-- hi\n  insert into x values (1)`, /:2:3: .*starts with "insert"/],
      [`/* nothing */ -- at all\n`, /:1:1: the SQL node is empty/],
      [`SELECT 1;\n-- ok\nSELECT 2`, /:3:1: .*a second statement starts here/],
      [`SELECT 1; DROP TABLE x;`, /:1:11: .*second statement/],
      [
        `WITH a AS (SELECT 1) DELETE FROM b`,
        /:1:22: .*WITH … DELETE is not allowed/,
      ],
      [`(SELECT 1)`, /starts with "\(SELECT/],
    ] as const
  ) contractError(() => parseSqlTemplate(sql, F), re);
  for (
    const ok of [
      `select 1;  -- trailing`,
      `WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a WHERE n < 3)\nSELECT n FROM a`,
      `SELECT ';' AS s, "a;b" FROM {{ Table("t") }} -- ; DROP`,
    ]
  ) parseSqlTemplate(ok, F);
});

Deno.test("normalized() ignores formatting and comments, not logic", () => {
  const base = parseSqlTemplate(
    `SELECT a, b FROM {{ Table("t") }} WHERE a > {{ Parameter("n", type="integer", default=1) }} AND s = 'x  y'`,
    F,
  ).normalized();
  assert.equal(
    base,
    `SELECT a,b FROM {{Table("t")}} WHERE a>{{Parameter("n",type="integer",default=1)}} AND s='x  y'`,
  );
  const same = [
    `-- leading comment\nSELECT a ,\n       b\nFROM   {{Table('t')}}\nWHERE a > {{ Parameter('n', default=1, type="integer") }} /* note */\n  AND s = 'x  y';`,
    `SELECT a,b FROM {{ Table("t") }} WHERE a>{{Parameter("n",type="integer",default=1)}} AND s='x  y'  ;  -- end`,
  ];
  for (const text of same) {
    assert.equal(parseSqlTemplate(text, F).normalized(), base, text);
  }
  const different = [
    `SELECT a, b FROM {{ Table("t") }} WHERE a >= {{ Parameter("n", type="integer", default=1) }} AND s = 'x  y'`,
    `SELECT a, b FROM {{ Table("u") }} WHERE a > {{ Parameter("n", type="integer", default=1) }} AND s = 'x  y'`,
    `SELECT a, b FROM {{ Table("t") }} WHERE a > {{ Parameter("n", type="integer", default=2) }} AND s = 'x  y'`,
    `SELECT a, b FROM {{ Table("t") }} WHERE a > {{ Parameter("n", type="float", default=1) }} AND s = 'x  y'`,
    `SELECT a, b FROM {{ Table("t") }} WHERE a > {{ Parameter("n", type="integer", default=1) }} AND s = 'x y'`,
    `SELECT a b FROM {{ Table("t") }} WHERE a > {{ Parameter("n", type="integer", default=1) }} AND s = 'x  y'`,
    `SELECT A, b FROM {{ Table("t") }} WHERE a > {{ Parameter("n", type="integer", default=1) }} AND s = 'x  y'`,
  ];
  for (const text of different) {
    assert.notEqual(parseSqlTemplate(text, F).normalized(), base, text);
  }
  const minus = (s: string) => parseSqlTemplate(s, F).normalized();
  assert.equal(minus(`SELECT 1 - -1`), `SELECT 1- -1`);
  assert.equal(minus(`SELECT 1 -/* c */-1`), `SELECT 1- -1`);
  assert.equal(minus(`SELECT "a  b"  AS [x  y]`), `SELECT "a  b" AS [x  y]`);
});

Deno.test("lineOfSqlError maps database errors to lines of the file", () => {
  const text = `SELECT id,
  name
FROMM {{ Table("t") }}
WHERE missing_col > 1`;
  const rendered = text.replace(`{{ Table("t") }}`, `"_v_t_3"`);
  assert.equal(
    lineOfSqlError(text, rendered, `near "FROMM": syntax error`),
    3,
  );
  assert.equal(
    lineOfSqlError(text, rendered, `syntax error at or near "name"`),
    2,
  );
  assert.equal(
    lineOfSqlError(text, rendered, `no such column: missing_col`),
    4,
  );
  assert.equal(
    lineOfSqlError(text, rendered, `no such column: t.NAME`),
    2,
  );
  assert.equal(
    lineOfSqlError(text, rendered, `near ""_v_t_3"": syntax error`),
    3,
  );
  assert.equal(
    lineOfSqlError(
      `SELECT (1,\n  2\n-- x`,
      `SELECT (1,\n  2\n-- x`,
      "incomplete input",
    ),
    2,
  );
  assert.equal(lineOfSqlError(text, rendered, "disk I/O error"), undefined);
  // Occurrences in comments and strings are skipped.
  const c = `SELECT 'nope' AS a, -- nope\n  nope`;
  assert.equal(lineOfSqlError(c, c, "no such column: nope"), 2);
  assert.equal(
    lineOfSqlError(
      `SELECT\n  foo(1)`,
      `SELECT\n  foo(1)`,
      "no such function: foo",
    ),
    2,
  );
});

Deno.test("tag arguments: both quotes, escapes, }} inside strings, Python words", () => {
  const t = parseSqlTemplate(
    `SELECT {{ Parameter('a', description="ends with }} and \\"q\\"", default=True) }},
  {{ Parameter("b", type="list", default=[1, -2.5, 'x',]) }}`,
    F,
  );
  assert.deepEqual(t.parameters, [
    {
      name: "a",
      type: "boolean",
      default: true,
      description: 'ends with }} and "q"',
    },
    { name: "b", type: "list", default: [1, -2.5, "x"] },
  ]);
});
