// The dev server: (e) a page of rows of a 1,000,000-row table through
// GET /api/tables/:name/rows vs store.readRows, unsorted and sorted by a
// column (the first sorted request builds the order index), and (f)
// webhook ingestion of 100,000 records in batches of 1,000 vs raw
// publications, and (g) how fast GET /api/runs is answered while SQLite
// works: during a 5-second SQL node and during an order-index build,
// against the idle server. `--postgres` also runs (e) on PostgreSQL (see
// postgres_bench.ts for the server it uses).

import postgres from "npm:postgres@^3.4.5";
import { createServer } from "../server/mod.ts";
import { WEBHOOK_DEF } from "../server/mod.ts";
import { openStore } from "../stores/mod.ts";
import { type BenchRow, median, rate, tempApp } from "./_util.ts";

const BASE = Date.UTC(2026, 0, 1);
const PAGE = 50;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/** Offsets spread evenly over the table, shuffled deterministically. */
function offsets(rows: number, times: number, seed = 7919): number[] {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    out.push(Math.floor(((i * seed) % times) / times * (rows - PAGE)));
  }
  return out;
}

/** Fills `leads` with `rows` rows in the app's store (`url`, else the default SQLite file). */
async function fill(
  dir: string,
  rows: number,
  url: string | undefined,
): Promise<void> {
  const store = await openStore(url, dir);
  const pub = await store.beginPublication();
  await pub.init("leads", {
    schema: {
      id: "Text",
      email: "Text",
      score: "Float",
      created_at: "DateTime",
    },
    uniqueOn: ["id"],
  });
  for (let i = 0; i < rows; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(rows, i + 10_000); j++) {
      batch.push({
        id: "L-" + j,
        email: "user" + j + "@example.com",
        score: (j % 100) / 100,
        created_at: new Date(BASE + j * 1000),
      });
    }
    await pub.append("leads", batch);
  }
  await pub.commit({ runId: "bench" });
  await store.close();
}

type Server = Awaited<ReturnType<typeof createServer>>;

/** Milliseconds of one page request (JSON body read and checked). */
async function timePage(server: Server, query: string): Promise<number> {
  const t0 = performance.now();
  const res = await server.app.request(`/api/tables/leads/rows?${query}`);
  const body = await res.json();
  if (body.rows?.length !== PAGE) throw new Error(`short page: ${query}`);
  return performance.now() - t0;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/**
 * (e) `GET /api/tables/leads/rows?offset=…&limit=50` at offsets spread
 * over a `rows`-row table: median and p95 of `times` requests (JSON body
 * read), against `store.readRows` at the same offsets; then sorted by
 * `score` descending (100 distinct values: heavy ties): the first request,
 * which builds the order index, and the median of `times` later pages at
 * other offsets, against the unsorted page of the same run. On the app's
 * default SQLite store, or on `url`.
 */
export async function tableRowsBench(
  rows = 1_000_000,
  times = 200,
  url?: string,
): Promise<BenchRow[]> {
  const dir = await tempApp({
    "graph.yml": "title: Bench\nstores:\n  - table: leads\nfunctions: []\n",
  });
  await fill(dir, rows, url);
  const at = offsets(rows, times);
  const server = await createServer({
    appDir: dir,
    storeUrl: url,
    watch: false,
    ui: false,
  });
  const kind = server.store.kind;
  try {
    const raw: number[] = [];
    for (const offset of at) {
      const t0 = performance.now();
      await server.store.readRows("leads", { offset, limit: PAGE });
      raw.push(performance.now() - t0);
    }
    const api: number[] = [];
    for (const offset of at) {
      api.push(await timePage(server, `offset=${offset}&limit=${PAGE}`));
    }
    const order = `order=-score&limit=${PAGE}`;
    // The first sorted page builds the index; GET /api/runs meanwhile.
    let built = false;
    const building = timePage(server, order).finally(() => built = true);
    const during = await sampleRuns(server, () => built);
    const first = await building;
    const sorted: number[] = [];
    for (const offset of offsets(rows, times, 104_729)) {
      sorted.push(await timePage(server, `${order}&offset=${offset}`));
    }
    const again = await timePage(server, "order=score&offset=0&limit=50");
    const p50 = median(api), base = median(raw), sortedP50 = median(sorted);
    const n = rows.toLocaleString("en-US");
    const ratio = (x: number) => `${Math.round((x / p50) * 100)}% of unsorted`;
    return [
      {
        name:
          `(e) [${kind}] raw store.readRows, page of ${PAGE} of ${n} rows, p50 (p95)`,
        value: `${ms(base)} (${ms(percentile(raw, 0.95))})`,
        ratio: "100%",
      },
      {
        name:
          `(e) [${kind}] GET /api/tables/:name/rows, page of ${PAGE}, p50 (p95)`,
        value: `${ms(p50)} (${ms(percentile(api, 0.95))})`,
        ratio: `${Math.round((p50 / base) * 100)}% of the time`,
        goal: "p50 ≤ 20 ms",
        met: p50 <= 20,
      },
      {
        name:
          `(e) [${kind}] same, order=-score: first request (builds the index)`,
        value: ms(first),
        ratio: ratio(first),
      },
      {
        name:
          `(g) [${kind}] GET /api/runs while that index builds, p50 (p99) of ${during.length}`,
        value: `${ms(percentile(during, 0.5))} (${
          ms(percentile(during, 0.99))
        })`,
      },
      {
        name:
          `(e) [${kind}] same, order=-score, later pages at ${times} offsets, p50 (p95)`,
        value: `${ms(sortedP50)} (${ms(percentile(sorted, 0.95))})`,
        ratio: ratio(sortedP50),
        goal: "p50 ≤ 20 ms",
        met: sortedP50 <= 20,
      },
      {
        name: `(e) [${kind}] same, order=score (the reverse, same index)`,
        value: ms(again),
        ratio: ratio(again),
        goal: "< 100 ms",
        met: again < 100,
      },
    ];
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** {@link tableRowsBench} on a fresh schema of the PostgreSQL server at `base`, dropped afterwards. */
export async function tableRowsBenchPostgres(
  base: string,
  rows = 1_000_000,
  times = 200,
): Promise<BenchRow[]> {
  const schema = `runnel_bench_${crypto.randomUUID().slice(0, 8)}`;
  try {
    return await tableRowsBench(rows, times, `${base}?schema=${schema}`);
  } finally {
    const sql = postgres(base, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await sql.end();
    }
  }
}

/** Period of {@link sampleRuns}' requests (ms). */
const EVERY_MS = 10;

/**
 * Latencies of `GET /api/runs`, one request sent every {@link EVERY_MS}
 * (not waiting for the previous one) until `stop()` or `max` requests,
 * each measured from when it was due: a thread that answers nothing for
 * a while makes every request due meanwhile late, as a client would see.
 * `keep` picks the answers to count.
 */
async function sampleRuns(
  server: Server,
  stop: () => boolean,
  max = 3_000,
  keep: (body: { runs: { status: string }[] }) => boolean = () => true,
): Promise<number[]> {
  const out: number[] = [];
  const sent: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < max && !stop(); i++) {
    const due = t0 + i * EVERY_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.push((async () => {
      const res = await server.app.request("/api/runs?limit=20");
      const body = await res.json();
      if (res.status !== 200) throw new Error(JSON.stringify(body));
      if (keep(body)) out.push(performance.now() - due);
    })());
  }
  await Promise.all(sent);
  return out;
}

/** About 5 s of SQLite work (200 × 200 × 200 × 16 rows counted) yielding one row. */
function slowSql(): string {
  const list = (n: number) =>
    `json_each('[${Array.from({ length: n }, (_, i) => i).join(",")}]')`;
  return `SELECT count(*) AS n FROM ${list(200)}, ${list(200)}, ${list(200)}, ${
    list(16)
  }\n`;
}

/**
 * (g) p50 and p99 of `GET /api/runs` sent every 10 ms on the idle server
 * (2 s, the baseline), then while a ~5 s SQLite SQL node runs (answers
 * showing the run going), as a ratio of the idle p99.
 */
export async function responsiveBench(): Promise<BenchRow[]> {
  const dir = await tempApp({
    "graph.yml":
      "title: Bench\nfunctions:\n  - node_file: slow.sql\n    outputs:\n      output_table: counted\n",
    "slow.sql": slowSql(),
  });
  const server = await createServer({ appDir: dir, watch: false, ui: false });
  try {
    const idleUntil = performance.now() + 2_000;
    const idle = await sampleRuns(server, () => performance.now() > idleUntil);
    const res = await server.app.request("/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const { runId } = await res.json();
    let finished = false;
    const done = server.idle().then(() => finished = true);
    const busy = await sampleRuns(
      server,
      () => finished,
      3_000,
      (b) => b.runs[0]?.status === "running",
    );
    await done;
    const run = await server.store.getRun(runId);
    const nodes = await server.store.listNodeRuns(runId);
    if (run?.status !== "succeeded") {
      throw new Error(`the slow SQL node failed: ${JSON.stringify(nodes)}`);
    }
    const took = nodes[0]?.durationMs ?? 0;
    const idleP99 = percentile(idle, 0.99), busyP99 = percentile(busy, 0.99);
    const pair = (xs: number[]) =>
      `${ms(percentile(xs, 0.5))} (${ms(percentile(xs, 0.99))})`;
    return [
      {
        name:
          `(g) GET /api/runs on the idle server, every ${EVERY_MS} ms, p50 (p99) of ${idle.length}`,
        value: pair(idle),
        ratio: "1×",
      },
      {
        name: `(g) same while a SQLite SQL node runs (${
          (took / 1000).toFixed(1)
        } s), p50 (p99) of ${busy.length}`,
        value: pair(busy),
        ratio: `${(busyP99 / idleP99).toFixed(1)}× idle p99`,
        goal: "≤ 3× idle p99",
        met: busyP99 <= 3 * idleP99,
      },
    ];
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function records(from: number, n: number): Record<string, unknown>[] {
  const out = [];
  for (let i = from; i < from + n; i++) {
    out.push({
      event: "signup",
      id: i,
      email: `user${i}@example.com`,
      score: i % 100,
    });
  }
  return out;
}

/** Baseline: one raw publication (init, append, commit) per batch. */
async function rawPublications(total: number, batch: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_bench_hook_" });
  const store = await openStore(undefined, dir);
  const bodies = [];
  for (let i = 0; i < total; i += batch) {
    bodies.push(records(i, batch).map((record) => ({ record })));
  }
  const t0 = performance.now();
  for (const rows of bodies) {
    const pub = await store.beginPublication();
    await pub.init("events", WEBHOOK_DEF);
    await pub.append("events", rows);
    await pub.commit({ runId: "bench" });
  }
  const ms = performance.now() - t0;
  await store.close();
  await Deno.remove(dir, { recursive: true });
  return ms;
}

/** Posts every body to the webhook, `inFlight` at a time; returns ms and the count stored. */
async function postAll(
  bodies: string[],
  inFlight: number,
): Promise<{ ms: number; stored: number; received: number }> {
  const dir = await tempApp({
    "graph.yml": "title: Bench\nfunctions:\n  - webhook: events\n",
  });
  const server = await createServer({ appDir: dir, watch: false, ui: false });
  try {
    let next = 0;
    let received = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const res = await server.app.request("/webhooks/events", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
          if (res.status !== 200) throw new Error(await res.text());
          const { received: n } = await res.json();
          received += n;
        }
      }),
    );
    const ms = performance.now() - t0;
    const stored = (await server.store.describeTable("events"))?.rowCount ?? 0;
    return { ms, stored, received };
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * (f) `POST /webhooks/events` with `total` records in JSON arrays of
 * `batch`, one request at a time and 8 at a time, against one raw
 * publication per batch. Checks that every record was stored.
 */
export async function webhookBench(
  total = 100_000,
  batch = 1_000,
): Promise<BenchRow[]> {
  const bodies: string[] = [];
  for (let i = 0; i < total; i += batch) {
    bodies.push(JSON.stringify(records(i, batch)));
  }
  const base = await rawPublications(total, batch);
  const baseRate = total / (base / 1000);
  const out: BenchRow[] = [{
    name: `(f) raw Publication per batch of ${batch}, ${
      total.toLocaleString("en-US")
    } records`,
    value: rate(total, base).replace("rows", "records"),
    ratio: "100%",
  }];
  for (const inFlight of [1, 8]) {
    const r = await postAll(bodies, inFlight);
    if (r.stored !== total || r.received !== total) {
      throw new Error(
        `webhook bench lost records: sent ${total}, acknowledged ${r.received}, stored ${r.stored}`,
      );
    }
    const recPerS = total / (r.ms / 1000);
    out.push({
      name:
        `(f) POST /webhooks/:table, ${inFlight} request(s) in flight, nothing lost`,
      value: rate(total, r.ms).replace("rows", "records"),
      ratio: `${Math.round((recPerS / baseRate) * 100)}%`,
      goal: "≥ 50,000 records/s",
      met: recPerS >= 50_000,
    });
  }
  return out;
}

if (import.meta.main) {
  const { printTable } = await import("./_util.ts");
  const pg = Deno.args.includes("--postgres");
  const { benchPostgresUrl } = await import("./postgres_bench.ts");
  printTable("Dev server", [
    ...await tableRowsBench(),
    ...(pg ? await tableRowsBenchPostgres(benchPostgresUrl()) : []),
    ...await webhookBench(),
    ...await responsiveBench(),
  ]);
}
