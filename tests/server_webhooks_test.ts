// Webhooks of the dev server: good and bad bodies, nothing written on a
// rejection, downstream nodes on the next run, and token rules.

import assert from "node:assert/strict";
import {
  createServer,
  type RunnelServer,
  type ServerOptions,
} from "../server/mod.ts";
import { readSse } from "../server/_test_util.ts";
import { makeApp, storeTest, type TestStore } from "./_helpers.ts";

const GRAPH = `title: Hooks
functions:
  - webhook: events
  - node_file: count_events.ts
    inputs: [events]
    outputs: [event_counts]
`;

const COUNT = `export default async function run({ table }) {
  const rows = await table("events").read();
  const out = table("event_counts", "w");
  await out.init({ schema: { kind: "Text", n: "Integer" } });
  const by = new Map();
  for (const r of rows) by.set(r.record.kind, (by.get(r.record.kind) ?? 0) + 1);
  await out.replace([...by].map(([kind, n]) => ({ kind, n })));
}
`;

async function hookApp(): Promise<string> {
  return await makeApp({ "graph.yml": GRAPH, "count_events.ts": COUNT });
}

/** A server of the hook app (or `opts.appDir`) on the test's store. */
async function hookServer(
  st: TestStore,
  opts: Partial<ServerOptions> = {},
): Promise<RunnelServer> {
  return await createServer({
    appDir: opts.appDir ?? await hookApp(),
    storeUrl: st.url,
    watch: false,
    ...opts,
  });
}

async function send(
  s: RunnelServer,
  body: string,
  type: string | undefined = "application/json",
  path = "/webhooks/events",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await s.app.request(path, {
    method: "POST",
    headers: { ...(type ? { "content-type": type } : {}), ...headers },
    body,
  });
  return { status: res.status, body: await res.json() };
}

async function count(s: RunnelServer): Promise<number> {
  return (await s.store.describeTable("events"))?.rowCount ?? -1;
}

storeTest(
  "webhooks: object, array and JSON Lines are appended with id and time",
  async (st) => {
    const s = await hookServer(st);
    try {
      // The table exists (empty) from the start, so downstream nodes can run.
      assert.equal(await count(s), 0);
      const info = await s.store.describeTable("events");
      assert.deepEqual(info?.schema, {
        _id: "Integer",
        _created: "DateTime",
        record: "Json",
      });

      assert.deepEqual(await send(s, '{"kind":"click","x":1}'), {
        status: 200,
        body: { received: 1 },
      });
      assert.deepEqual(
        await send(s, '[{"kind":"view"},{"kind":"click","tags":["a"]}]'),
        { status: 200, body: { received: 2 } },
      );
      assert.deepEqual(
        await send(
          s,
          '{"kind":"view"}\n\n{"kind":"buy","n":2}\n',
          "application/x-ndjson",
        ),
        { status: 200, body: { received: 2 } },
      );
      // Sniffed: no content type, several lines.
      assert.deepEqual(
        await send(s, '{"kind":"view"}\n{"kind":"view"}', undefined),
        { status: 200, body: { received: 2 } },
      );
      assert.deepEqual(await send(s, "[]"), {
        status: 200,
        body: { received: 0 },
      });
      const rows = await s.store.readRows("events");
      assert.deepEqual(rows.map((r) => r._id), [1, 2, 3, 4, 5, 6, 7]);
      assert.ok(rows.every((r) => r._created instanceof Date));
      assert.deepEqual(rows[2]!.record, { kind: "click", tags: ["a"] });

      // The downstream node sees them on the next run.
      const res = await s.app.request("/api/runs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(res.status, 202);
      await s.idle();
      const counts = await s.store.readRows("event_counts", {
        orderBy: [{ column: "kind" }],
      });
      assert.deepEqual(counts, [
        { kind: "buy", n: 1 },
        { kind: "click", n: 2 },
        { kind: "view", n: 4 },
      ]);
    } finally {
      await s.close();
    }
  },
);

storeTest(
  "webhooks: malformed, wrong type and too large bodies write nothing",
  async (st) => {
    const s = await hookServer(st, {
      limits: { webhookMaxBytes: 1000 },
    });
    try {
      await send(s, '{"kind":"first"}');
      const cases: [string, string | undefined, number, RegExp][] = [
        ["{oops", "application/json", 400, /not valid JSON/],
        ["", "application/json", 400, /body is empty/],
        ["42", "application/json", 400, /body is a number/],
        ['"text"', "application/json", 400, /body is a string/],
        ["null", "application/json", 400, /body is null/],
        [
          '[{"a":1}, 2]',
          "application/json",
          400,
          /Item 2 of the array is a number/,
        ],
        ['[{"a":1}, [1]]', "application/json", 400, /Item 2 .* an array/],
        [
          '{"a":1}\n{"b":',
          "application/x-ndjson",
          400,
          /Line 2 is not valid JSON/,
        ],
        ['{"a":1}\n3', "application/x-ndjson", 400, /Line 2 is a number/],
        ['{"a":1}\n{oops', undefined, 400, /Line 2 is not valid JSON/],
        ["a=1", "application/x-www-form-urlencoded", 415, /not accepted/],
        [
          JSON.stringify([{ pad: "x".repeat(2000) }]),
          "application/json",
          413,
          /larger than 1,000 bytes.*nothing was written/,
        ],
      ];
      for (const [body, type, status, re] of cases) {
        const r = await send(s, body, type);
        assert.equal(r.status, status, `${body.slice(0, 30)}: ${r.status}`);
        assert.match(String(r.body.error), re, body.slice(0, 30));
      }
      assert.equal(await count(s), 1);
      // A streamed body without Content-Length is capped too.
      const big = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(
            new TextEncoder().encode(`[{"pad":"${"y".repeat(3000)}"}]`),
          );
          c.close();
        },
      });
      const res = await s.app.request("/webhooks/events", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      assert.equal(res.status, 413);
      assert.equal(await count(s), 1);

      const unknown = await send(s, "{}", "application/json", "/webhooks/nope");
      assert.equal(unknown.status, 404);
      assert.match(
        String(unknown.body.error),
        /No webhook for table "nope".*events/,
      );
      const get = await s.app.request("/webhooks/events");
      assert.equal(get.status, 404); // no GET: nothing changes state on GET
    } finally {
      await s.close();
    }
  },
);

storeTest(
  "webhooks: concurrent requests share commits and lose nothing",
  async (st) => {
    const s = await hookServer(st);
    try {
      const batches = Array.from({ length: 20 }, (_, b) =>
        JSON.stringify(
          Array.from({ length: 50 }, (_, i) => ({ kind: "k", b, i })),
        ));
      const results = await Promise.all(batches.map((b) => send(s, b)));
      assert.ok(
        results.every((r) => r.status === 200 && r.body.received === 50),
      );
      assert.equal(await count(s), 1000);
      // Requests that waited for a commit shared the next one.
      const version = (await s.store.describeTable("events"))!.version;
      assert.ok(version < 10, `version ${version}: one commit per request`);
      const rows = await s.store.readRows("events");
      assert.deepEqual(
        rows.map((r) => r._id),
        Array.from({ length: 1000 }, (_, i) => i + 1),
      );
      // Each request's records stay together and in order.
      const seen = rows.map((r) => {
        const rec = r.record as { b: number; i: number };
        return `${rec.b}:${rec.i}`;
      });
      assert.equal(new Set(seen).size, 1000);
    } finally {
      await s.close();
    }
  },
);

storeTest(
  "webhooks: a table of another shape is refused, not wiped",
  async (st) => {
    const dir = await hookApp();
    const s = await hookServer(st, { appDir: dir });
    try {
      // Someone replaced the table with other columns.
      const pub = await s.store.beginPublication();
      await pub.init("events", { schema: { kind: "Text" }, uniqueOn: [] });
      await pub.append("events", [{ kind: "x" }]);
      await pub.commit({ runId: "test" });
      const r = await send(s, '{"kind":"y"}');
      assert.equal(r.status, 409);
      assert.match(String(r.body.error), /already exists with columns kind/);
      assert.deepEqual(await s.store.readRows("events"), [{ kind: "x" }]);
    } finally {
      await s.close();
    }
  },
);

Deno.test("webhooks: after .runnel/ is deleted under the server, nothing is acknowledged", async () => {
  const dir = await hookApp();
  const s = await createServer({ appDir: dir, watch: false });
  try {
    const ok = await send(s, JSON.stringify({ kind: "a" }));
    assert.equal(ok.status, 200);
    await Deno.remove(`${dir}/.runnel`, { recursive: true });
    const refused = await send(s, JSON.stringify({ kind: "b" }));
    assert.equal(refused.status, 409);
    assert.match(
      String(refused.body.error),
      /The store file .*\.runnel\/runnel\.db was deleted while Runnel had it open; nothing more is written to it\. Stop this process and start it again/,
    );
    const runs = await s.app.request("/api/runs");
    assert.equal(runs.status, 503);
    assert.match(
      (await runs.json()).error,
      /was deleted while Runnel had it open/,
    );
  } finally {
    await s.close();
  }
});

storeTest(
  "webhooks: bodies neither store can keep as they are get 400 with what is wrong, and nothing is written",
  async (st) => {
    const s = await hookServer(st);
    try {
      const bad: [string | Uint8Array<ArrayBuffer>, RegExp][] = [
        [
          new Uint8Array([
            0x7b,
            0x22,
            0x61,
            0x22,
            0x3a,
            0x22,
            0xff,
            0x22,
            0x7d,
          ]),
          /^The body is not valid UTF-8 \(byte 7 of 9, 0xff\)/,
        ],
        ['{"n":1e400}', /holds the number Infinity.*1e400/],
        ['{"s":"\\ud800"}', /lone surrogate/],
        [
          `{"kind":"deep","a":${"[".repeat(5000)}${"]".repeat(5000)}}`,
          /nests deeper than 64 levels/,
        ],
      ];
      for (const [body, re] of bad) {
        const res = await s.app.request("/webhooks/events", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        assert.equal(res.status, 400);
        assert.match((await res.json()).error, re);
      }
      const ok = await send(s, JSON.stringify({ kind: "fine" }));
      assert.equal(ok.status, 200);
      const rows = await s.store.readRows("events");
      assert.deepEqual(rows.map((r) => r.record), [{ kind: "fine" }]);
    } finally {
      await s.close();
    }
  },
);

storeTest(
  "webhooks during a node run: every read of the node (readSql too) sees one snapshot, and the next run the new rows",
  async (st) => {
    const dir = await makeApp({
      "graph.yml": `title: Hooks
functions:
  - webhook: events
  - node_file: tally.ts
    inputs: [events]
    outputs: [tally]
    permissions:
      read: [go]
`,
      "tally.ts": `export default async function run({ table, log }) {
  const events = table("events");
  const before = await events.recordCount();
  log.info("counted " + before);
  // The test posts more webhooks, then writes ./go.
  for (let i = 0; i < 400; i++) {
    try { await Deno.stat(new URL("./go", import.meta.url)); break; } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  const rows = await events.read();
  let chunked = 0;
  for await (const c of events.readChunks(2)) chunked += c.length;
  const after = await events.recordCount();
  const [{ n: sql }] = await events.readSql("select count(*) as n from {{ this }}");
  const [{ n: joined }] = await events.readSql(
    "select count(*) as n from {{ Table('events') }} a join {{ this }} b on a._id = b._id",
  );
  const out = table("tally", "w");
  await out.init({ schema: { before: "Integer", read: "Integer", chunked: "Integer", after: "Integer", sql: "Integer", joined: "Integer" } });
  await out.replace([{ before, read: rows.length, chunked, after, sql, joined }]);
}
`,
    });
    const s = await hookServer(st, { appDir: dir });
    try {
      for (let i = 0; i < 5; i++) {
        assert.equal((await send(s, JSON.stringify({ i }))).status, 200);
      }
      const events = await s.app.request("/api/events");
      const started = await s.app.request("/api/runs", { method: "POST" });
      assert.equal(started.status, 202);
      await readSse(
        events,
        (m) =>
          m.some((e) =>
            e.event === "log" && /counted/.test(String(e.data.message))
          ),
      );
      for (let i = 5; i < 15; i++) {
        assert.equal((await send(s, JSON.stringify({ i }))).status, 200);
      }
      await Deno.writeTextFile(`${dir}/go`, "");
      await s.idle();
      assert.deepEqual(await s.store.readRows("tally"), [
        { before: 5, read: 5, chunked: 5, after: 5, sql: 5, joined: 5 },
      ]);
      // The cache key is the snapshot's: the next run sees 15 rows and runs.
      const again = await s.app.request("/api/runs", { method: "POST" });
      assert.equal(again.status, 202);
      await s.idle();
      assert.deepEqual(await s.store.readRows("tally"), [
        { before: 15, read: 15, chunked: 15, after: 15, sql: 15, joined: 15 },
      ]);
    } finally {
      await s.close();
    }
  },
);
