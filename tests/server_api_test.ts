// The dev server's JSON API through app.request(), on a copy of
// examples/leads with real workers, on each store.

import assert from "node:assert/strict";
import { createServer, type RunnelServer } from "../server/mod.ts";
import { copyLeads, readSse } from "../server/_test_util.ts";
import { storeTest, type TestStore } from "./_helpers.ts";

async function serve(st: TestStore, dir?: string): Promise<RunnelServer> {
  return await createServer({
    appDir: dir ?? await copyLeads(),
    storeUrl: st.url,
    watch: false,
  });
}

async function json(
  s: RunnelServer,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown>; res: Response }> {
  const res = await s.app.request(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, res };
}

function post(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

// deno-lint-ignore no-explicit-any
type Any = any;

storeTest(
  "server API: graph, run with events, runs, nodes, tables",
  async (st) => {
    const s = await serve(st);
    try {
      // Before any run.
      const g0 = await json(s, "/api/graph");
      assert.equal(g0.status, 200);
      const graph = g0.body as Any;
      assert.equal(graph.valid, true);
      assert.equal(graph.title, "Leads Scoring");
      assert.deepEqual(
        graph.nodes.map((n: Any) => [n.id, n.kind, n.trigger, n.status]),
        [
          ["ingest_leads", "ts", "manual", "never"],
          ["score_leads", "ts", "manual", "never"],
        ],
      );
      assert.deepEqual(graph.nodes[1].inputs, { raw_leads: "raw_leads" });
      assert.deepEqual(graph.tables.map((t: Any) => [t.name, t.producer?.id]), [
        ["raw_leads", "ingest_leads"],
        ["scored_leads", "score_leads"],
      ]);
      assert.deepEqual(graph.tables[0].consumers, ["score_leads"]);
      assert.ok(
        graph.edges.some((e: Any) =>
          e.from === "table:raw_leads" && e.to === "node:score_leads"
        ),
      );
      assert.deepEqual(graph.webhooks, []);

      // Start a run while listening to the stream.
      const events = await s.app.request("/api/events");
      assert.equal(
        events.headers.get("content-type"),
        "text/event-stream; charset=utf-8",
      );
      const started = await json(s, "/api/runs", post({}));
      assert.equal(started.status, 202);
      const runId = (started.body as Any).runId as string;
      assert.match(runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
      // A second run while this one goes: 409 with the running id.
      const busy = await json(s, "/api/runs", post({ force: true }));
      assert.equal(busy.status, 409);
      assert.match((busy.body as Any).error, /already in progress/);
      assert.equal((busy.body as Any).runId, runId);

      const msgs = await readSse(
        events,
        (m) => m.some((e) => e.event === "run-finished"),
      );
      const kinds = msgs.map((m) => m.event);
      assert.equal(kinds[0], "run-started");
      assert.equal(kinds.filter((k) => k === "node-started").length, 2);
      assert.ok(kinds.includes("log"));
      const finished = msgs.filter((m) => m.event === "node-finished");
      assert.deepEqual(
        finished.map((m) => [m.data.nodeId, m.data.status, m.data.runId]),
        [
          ["ingest_leads", "succeeded", runId],
          ["score_leads", "succeeded", runId],
        ],
      );
      assert.equal(typeof finished[0]!.data.reason, "string");
      assert.equal(msgs.at(-1)!.data.status, "succeeded");
      await s.idle();

      // Runs.
      const runs = await json(s, "/api/runs?limit=5");
      assert.equal(runs.status, 200);
      assert.deepEqual(
        (runs.body as Any).runs.map((
          r: Any,
        ) => [r.id, r.status, r.trigger, r.nodes]),
        [[runId, "succeeded", "api", { succeeded: 2 }]],
      );
      const run = (await json(s, `/api/runs/${runId}`)).body as Any;
      assert.equal(run.run.status, "succeeded");
      assert.deepEqual(
        run.nodes.map((n: Any) => [n.id, n.status, n.rowsWritten]),
        [["ingest_leads", "succeeded", 3], ["score_leads", "succeeded", 3]],
      );
      assert.ok(run.nodes[0].durationMs >= 0 && run.nodes[0].reason);
      assert.ok(
        run.logs.some((l: Any) => /ingested 3 leads/.test(l.message)),
        JSON.stringify(run.logs),
      );
      // A unique prefix works too.
      assert.equal(
        (await json(s, `/api/runs/${runId.slice(0, 17)}`)).body.run &&
          200,
        200,
      );

      // Graph and nodes now show the last status.
      const g1 = (await json(s, "/api/graph")).body as Any;
      assert.deepEqual(g1.nodes.map((n: Any) => n.status), [
        "succeeded",
        "succeeded",
      ]);
      assert.equal(g1.nodes[0].last.runId, runId);
      const node = (await json(s, "/api/nodes/ingest_leads")).body as Any;
      assert.equal(node.node.title, "Ingest Leads");
      assert.match(node.code, /export default async function run/);
      assert.deepEqual(node.ports.outputs, { raw_leads: "raw_leads" });
      assert.deepEqual(node.parameters, [{
        name: "leads_source",
        type: "string",
        description: "Where the leads came from",
        secret: false,
        default: "marketing_form",
        value: "marketing_form",
        source: "graph.yml",
      }]);
      assert.equal(node.runs[0].runId, runId);
      assert.equal(typeof node.reason, "string");
      assert.ok(node.logs.some((l: Any) => /ingested/.test(l.message)));
      // By title too.
      assert.equal((await json(s, "/api/nodes/Score%20Leads")).status, 200);

      // Tables.
      const tables = (await json(s, "/api/tables")).body as Any;
      assert.deepEqual(
        tables.tables.map((t: Any) => [t.name, t.rowCount, t.producer]),
        [["raw_leads", 3, "ingest_leads"], ["scored_leads", 3, "score_leads"]],
      );
      const rows = (await json(s, "/api/tables/scored_leads/rows")).body as Any;
      assert.deepEqual(rows.schema, {
        id: "Text",
        email: "Text",
        domain: "Text",
        score: "Float",
      });
      assert.equal(rows.total, 3);
      assert.deepEqual(rows.rows.map((r: Any) => r.id), [
        "L-001",
        "L-002",
        "L-003",
      ]);
      const sorted = (await json(
        s,
        "/api/tables/scored_leads/rows?order=score&limit=2&offset=0",
      )).body as Any;
      assert.deepEqual(sorted.rows.map((r: Any) => r.score), [0.4, 0.8]);
      const desc = (await json(
        s,
        "/api/tables/scored_leads/rows?order=-score&offset=1",
      )).body as Any;
      assert.deepEqual(desc.rows.map((r: Any) => r.score), [0.8, 0.4]);
      const raw = (await json(s, "/api/tables/raw_leads/rows?limit=1"))
        .body as Any;
      assert.match(raw.rows[0].created_at, /^\d{4}-\d\d-\d\dT/);
    } finally {
      await s.close();
    }
  },
);

storeTest("server API: bad requests get 400, unknown ids 404", async (st) => {
  const s = await serve(st);
  try {
    const cases: [string, RequestInit | undefined, number, RegExp][] = [
      ["/api/runs?limit=0", undefined, 400, /limit must be a whole number/],
      ["/api/runs?limit=abc", undefined, 400, /limit/],
      ["/api/runs/20990101-000000-abcdef", undefined, 404, /No run/],
      ["/api/nodes/nope", undefined, 404, /No node "nope".*ingest_leads/],
      ["/api/tables/nope/rows", undefined, 404, /No table "nope"/],
      ["/api/nope", undefined, 404, /No endpoint GET \/api\/nope/],
      ["/api/runs", post({ nodes: "x" }), 400, /"nodes" must be a list/],
      ["/api/runs", post({ nodes: ["nope"] }), 400, /No node named "nope"/],
      ["/api/runs", post({ force: "yes" }), 400, /"force" must be true/],
      ["/api/runs", post({ speed: 1 }), 400, /Unknown field "speed"/],
      ["/api/runs", post([1]), 400, /must be a JSON object/],
      ["/api/runs", post({ params: { nope: 1 } }), 400, /no node declares/],
      ["/api/runs", post({ params: { x: null } }), 400, /Parameter "x"/],
      [
        "/api/runs",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{oops",
        },
        400,
        /not valid JSON/,
      ],
      [
        "/api/runs",
        {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "{}",
        },
        400,
        /Content-Type: application\/json/,
      ],
    ];
    for (const [path, init, status, re] of cases) {
      const r = await json(s, path, init);
      assert.equal(r.status, status, `${path} ${init?.body}: ${r.status}`);
      assert.match(String(r.body.error), re, path);
      assert.equal(r.res.headers.get("access-control-allow-origin"), null);
    }
    // Tables exist after a run; then the rows parameters are checked.
    const started = await json(
      s,
      "/api/runs",
      post({ nodes: ["ingest_leads"] }),
    );
    assert.equal(started.status, 202);
    await s.idle();
    for (
      const [q, re] of [
        ["offset=-1", /offset must be a whole number/],
        ["offset=1.5", /offset/],
        ["limit=0", /limit must be a whole number from 1 to 1,000/],
        ["limit=1001", /limit/],
        ["order=nope", /no such column \(columns: id, email, source/],
        ["order=-", /Cannot order by ""/],
      ] as const
    ) {
      const r = await json(s, `/api/tables/raw_leads/rows?${q}`);
      assert.equal(r.status, 400, q);
      assert.match(String(r.body.error), re, q);
    }
    const past = await json(s, "/api/tables/raw_leads/rows?offset=10");
    assert.deepEqual((past.body as Any).rows, []);
    // A page says which node and run wrote the table.
    const { runId: wrote, nodeId, producer, updatedAt } = past.body as Any;
    assert.deepEqual([nodeId, producer], ["ingest_leads", "ingest_leads"]);
    assert.equal(wrote, started.body.runId);
    assert.ok(!isNaN(Date.parse(updatedAt)), updatedAt);
    // No CORS: a preflight gets no allow-origin, a cross-site POST is refused.
    const pre = await s.app.request("/api/runs", {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
      },
    });
    assert.equal(pre.headers.get("access-control-allow-origin"), null);
    const cross = await json(s, "/api/runs", {
      method: "POST",
      headers: {
        origin: "https://evil.example",
        host: "127.0.0.1:7878",
        "content-type": "text/plain",
      },
      body: "{}",
    });
    assert.equal(cross.status, 403);
    assert.match(String(cross.body.error), /Cross-origin/);
    // A rebinding DNS name is refused without a token.
    const rebound = await json(s, "/api/graph", {
      headers: { host: "evil.example:7878" },
    });
    assert.equal(rebound.status, 403);
  } finally {
    await s.close();
  }
});
