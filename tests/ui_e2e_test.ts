// End-to-end test of the dashboard: the real dev server (createServer) on a
// temp copy of examples/leads, driven by Debian's Chromium through
// playwright-core. Screenshots go to a temp dir, printed at the end.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "npm:playwright-core@^1.49";
import { createServer } from "../server/mod.ts";
import { copyLeads } from "../server/_test_util.ts";
import { makeApp } from "./_helpers.ts";
import { openStore } from "../stores/mod.ts";
import {
  chromiumPath,
  launchChromium,
  serveLocal,
} from "../server/ui/_browser.ts";

const chromium = chromiumPath();
if (chromium === undefined) {
  console.log(
    "ui_e2e_test: skipped — no Chromium binary (apt-get install -y chromium)",
  );
}

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Runs `fn` against a served dashboard; cleans everything up. */
async function withDashboard(
  token: string | undefined,
  appDir: Promise<string>,
  fn: (
    page: Page,
    ctx: { url: string; dir: string; shots: string; errors: string[] },
  ) => Promise<void>,
): Promise<void> {
  const dir = await appDir;
  const shots = await Deno.makeTempDir({ prefix: "runnel_ui_shots_" });
  const server = await createServer({ appDir: dir, debounceMs: 50, token });
  const http = serveLocal(server.app.fetch);
  const browser = await launchChromium(chromium!);
  const errors: string[] = [];
  try {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 760 },
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await fn(page, { url: http.url, dir, shots, errors });
    assert.deepEqual(errors, [], "no script errors on the pages");
    console.log(`ui_e2e_test: screenshots in ${shots}`);
  } finally {
    await browser.close();
    await server.close();
    await http.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Polls `check` from the test (never by evaluating strings in the page: the
 * dashboard's CSP forbids eval, and the test keeps that CSP on).
 */
async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const node = (id: string) => `svg.dag .node[data-id="${id}"]`;

Deno.test({
  name:
    "dashboard: open, run, see both nodes succeed, read scored_leads, see a broken graph.yml",
  ignore: chromium === undefined,
  ...opts,
  fn: () =>
    withDashboard(undefined, copyLeads(), async (page, { url, dir, shots }) => {
      // 1) the dashboard opens on the graph, every node never run
      await page.goto(url + "/");
      await page.waitForSelector(node("ingest_leads"));
      await page.waitForSelector(node("score_leads"));
      assert.equal(await page.locator("svg.dag .table").count(), 2);
      assert.equal(
        await page.getAttribute(node("score_leads"), "data-status"),
        "never",
      );
      await page.waitForSelector("#live.st-succeeded"); // event stream open
      await page.screenshot({ path: join(shots, "1_graph.png") });

      // zoom and pan move the drawing; Fit brings it back
      const transform = (op: "===" | "!==", t: string | null) =>
        until(`transform ${op} ${t}`, async () => {
          const now = await page.getAttribute("#viewport", "transform");
          return op === "===" ? now === t : now !== t;
        });
      const box = async () =>
        (await page.locator(node("score_leads")).boundingBox())!;
      const fitted = await page.getAttribute("#viewport", "transform");
      const before = await box();
      await page.mouse.move(640, 420);
      await page.mouse.wheel(0, -300); // zoom in around the pointer
      await transform("!==", fitted);
      await page.waitForTimeout(100); // the next animation frame
      const zoomed = await box();
      assert.ok(zoomed.width > before.width * 1.2, "wheel up zooms in");
      await page.mouse.move(400, 600);
      await page.mouse.down();
      await page.mouse.move(300, 560, { steps: 5 });
      await page.mouse.up();
      await until(
        "the drawing to follow the drag",
        async () => Math.abs((await box()).x - (zoomed.x - 100)) < 2,
      );
      assert.equal(
        await page.locator("#node-panel h2").count(),
        0,
        "a drag selects nothing",
      );
      await page.click("#zoom-fit");
      await transform("===", fitted);

      // 2) trigger a run; both nodes turn to succeeded, live
      await page.click("#run-all");
      await page.waitForSelector("#graph-msg a"); // "Run <id> started."
      const firstRun = await page.getAttribute("#graph-msg a", "href");
      for (const id of ["ingest_leads", "score_leads"]) {
        await page.waitForSelector(`${node(id)}[data-status="succeeded"]`, {
          timeout: 30_000,
        });
      }
      const labels = await page.locator("svg.dag .node").evaluateAll((gs) =>
        gs.map((g) => g.getAttribute("aria-label"))
      );
      assert.deepEqual(labels.sort(), [
        "Ingest Leads, succeeded",
        "Score Leads, succeeded",
      ]);
      // the node panel: code, parameters, recent runs, planner reason
      await page.click(node("ingest_leads"));
      await page.waitForSelector("#node-panel h2#node-title");
      assert.equal(await page.textContent("#node-title"), "Ingest Leads");
      await page.waitForSelector("#node-panel input[name=leads_source]");
      assert.equal(
        await page.textContent("#node-panel .reason"),
        "Ran — never ran successfully",
      );
      assert.match(
        (await page.textContent("#node-panel pre.code")) ?? "",
        /export default/,
      );
      await page.screenshot({ path: join(shots, "2_graph_succeeded.png") });

      // trigger "Ingest Leads+" with a parameter from the panel's form
      await page.fill("#node-panel input[name=leads_source]", "web_form");
      await page.click("#node-panel button:has-text('Run node + downstream')");
      await page.waitForSelector("#node-panel .msg a");
      const runLink = await page.getAttribute("#node-panel .msg a", "href");
      await page.goto(url + runLink);
      await until(
        "both timeline bars succeeded",
        async () =>
          (await page.locator(".gantt .bar.st-succeeded").count()) === 2,
      );
      const head = (await page.textContent("#run-head")) ?? "";
      assert.match(head, /ingest_leads\.leads_source=web_form/);
      assert.match(head, /selectioningest_leads score_leads/); // a+ expanded
      await page.waitForSelector("#run-logs div:has-text('web_form')");
      await page.screenshot({ path: join(shots, "3_run_params.png") });

      // the run page: a timeline row per node
      await page.goto(url + firstRun);
      await page.waitForSelector(".gantt .bar.st-succeeded");
      await until(
        "both timeline bars succeeded",
        async () =>
          (await page.locator(".gantt .bar.st-succeeded").count()) === 2,
      );
      await page.screenshot({ path: join(shots, "3_run.png") });
      assert.match(
        (await page.textContent("#run-head")) ?? "",
        /2: 2 succeeded/,
      );
      // the time axis: round, evenly spaced marks from 0
      const marks = (await page.locator(".gantt .axis .tick").allTextContents())
        .map((t) => {
          const m = /^([\d.]+) (ms|s)$/.exec(t);
          assert.ok(m, `axis mark "${t}"`);
          return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
        });
      assert.ok(marks.length >= 2 && marks[0] === 0, JSON.stringify(marks));
      const step = marks[1]! - marks[0]!;
      assert.ok(marks.every((v, i) => Math.abs(v - i * step) < 1e-6));
      assert.match(
        String(step / 10 ** Math.floor(Math.log10(step))),
        /^[125]$/,
      );

      // the runs list: one row per run, with its nodes counted by status
      await page.click("nav >> text=Runs");
      await page.waitForSelector("#runs table tbody tr");
      assert.equal(await page.locator("#runs tbody tr").count(), 2);
      assert.deepEqual(
        await page.locator("#runs tbody td.counts").allTextContents(),
        ["2 succeeded", "2 succeeded"],
      );

      // 3) the scored_leads table has its 3 rows
      await page.click("nav >> text=Tables");
      await page.click("a[href='/tables/scored_leads']");
      await page.waitForSelector("#rows table tbody tr");
      assert.equal(await page.locator("#rows table tbody tr").count(), 3);
      assert.match(
        (await page.textContent("#rows-info")) ?? "",
        /1–3 of 3 rows/,
      );
      // where the rows come from: the node and run that wrote them
      assert.match(
        (await page.textContent("#provenance")) ?? "",
        /^version \d+ · written by score_leads in run \d{8}-\d{6}-\w+ · \S/,
      );
      assert.equal(
        await page.getAttribute("#provenance a[href^='/?node=']", "href"),
        "/?node=score_leads",
      );
      await page.screenshot({ path: join(shots, "4_table.png") });
      // sorting by score: one click ascending, a second descending
      const scoreCol = await page.locator("#rows thead th").evaluateAll((ths) =>
        ths.findIndex((th) => th.textContent?.trim().startsWith("score"))
      );
      assert.ok(scoreCol >= 0, "a score column");
      const scores = async () =>
        (await page.locator(`#rows tbody tr td:nth-child(${scoreCol + 1})`)
          .allTextContents()).map(Number);
      for (const dir of ["ascending", "descending"]) {
        await page.click("#rows thead th button:has-text('score')");
        await page.waitForSelector(`#rows thead th[aria-sort=${dir}]`);
        const got = await scores();
        const want = [...got].sort((a, b) =>
          dir === "ascending" ? a - b : b - a
        );
        assert.equal(new Set(got).size, 3, "three distinct scores");
        assert.deepEqual(got, want, `rows sorted ${dir}`);
      }

      // 4) break graph.yml: the Graph page shows the issue with file and line
      await page.goto(url + "/");
      await page.waitForSelector(node("score_leads"));
      const yml = join(dir, "graph.yml");
      const text = await Deno.readTextFile(yml);
      await Deno.writeTextFile(
        yml,
        text.replace(
          "inputs:\n      raw_leads: raw_leads",
          "inputs:\n      raw_leads: raw_leadz",
        ),
      );
      await page.waitForSelector("#graph-errors:not([hidden]) .loc", {
        timeout: 10_000,
      });
      const loc = (await page.textContent("#graph-errors .loc")) ?? "";
      assert.match(loc, /graph\.yml:\d+:\d+/);
      assert.match(
        (await page.textContent("#graph-errors")) ?? "",
        /raw_leadz/,
      );
      await page.screenshot({ path: join(shots, "5_graph_error.png") });
      // a fresh load renders the issues too, and the server is still up
      await page.reload();
      await page.waitForSelector("#graph-errors:not([hidden]) .loc");
      // fixing the file clears them
      await Deno.writeTextFile(yml, text);
      await page.waitForSelector("#graph-errors[hidden]", {
        state: "attached",
        timeout: 10_000,
      });
    }),
});

Deno.test({
  name:
    "dashboard: with a token, ?token= once is kept for API calls and events",
  ignore: chromium === undefined,
  ...opts,
  fn: () =>
    withDashboard("s3cret-token-for-ui", copyLeads(), async (page, { url }) => {
      const denied = await page.goto(url + "/");
      assert.equal(denied?.status(), 401);
      await page.goto(url + "/?token=s3cret-token-for-ui");
      await page.waitForSelector(node("score_leads"));
      assert.equal(
        new URL(page.url()).search,
        "",
        "token removed from the URL",
      );
      await page.waitForSelector("#live.st-succeeded");
      await page.click("nav >> text=Runs");
      await page.waitForSelector("#runs p.empty, #runs table");
      assert.equal(
        await page.evaluate(() => sessionStorage.getItem("runnel.token")),
        "s3cret-token-for-ui",
      );
    }),
});

/** On the Runs page: starts a run of the whole graph and opens its page. */
async function openNewRun(page: Page): Promise<void> {
  await page.waitForSelector("#live.st-succeeded");
  await page.click("#run-all");
  await page.click("#runs-msg a");
}

const SLOW = `export default async ({ log }) => {
  for (let i = 0; i < 8; i++) {
    log.info("tick " + i);
    await new Promise((r) => setTimeout(r, 250));
  }
};
`;

Deno.test({
  name:
    "dashboard: a run page shows the node running and streams its logs live",
  ignore: chromium === undefined,
  ...opts,
  fn: () =>
    withDashboard(
      undefined,
      makeApp({
        "graph.yml": "title: Slow\nfunctions:\n  - node_file: slow.ts\n",
        "slow.ts": SLOW,
      }),
      async (page, { url, shots }) => {
        await page.goto(url + "/runs");
        await page.waitForSelector("#runs p.empty");
        await openNewRun(page);
        await page.waitForSelector(".gantt .bar.st-running");
        await page.waitForSelector("#run-logs div:has-text('tick 1')");
        // lines logged before the page opened are replayed from the server
        await page.waitForSelector("#run-logs div:has-text('tick 0')");
        assert.equal(
          await page.locator("#run-logs div:has-text('tick 7')").count(),
          0,
          "the page shows log lines before the node ends",
        );
        await page.screenshot({ path: join(shots, "6_run_live.png") });
        await page.waitForSelector("#run-logs div:has-text('tick 7')", {
          timeout: 20_000,
        });
        await page.waitForSelector(".gantt .bar.st-succeeded");
        assert.equal(await page.locator("#run-logs > div").count(), 8);
      },
    ),
});

Deno.test({
  name: "dashboard: Stop run interrupts the running run and shows it failed",
  ignore: chromium === undefined,
  ...opts,
  fn: () =>
    withDashboard(
      undefined,
      makeApp({
        "graph.yml": "title: Endless\nfunctions:\n  - node_file: endless.ts\n",
        "endless.ts": `export default async ({ log }) => {
  log.info("working");
  await new Promise((r) => setTimeout(r, 120_000));
};
`,
      }),
      async (page, { url, shots }) => {
        await page.goto(url + "/runs");
        await openNewRun(page);
        await page.waitForSelector("#run-logs div:has-text('working')");
        await page.waitForSelector("#run-stop-bar:not([hidden])");
        await page.click("#run-stop");
        await page.waitForSelector(".gantt .bar.st-failed");
        await page.waitForSelector("#run-stop-bar[hidden]", {
          state: "attached",
        });
        assert.match(
          (await page.textContent("#run-head")) ?? "",
          /statusfailed/,
        );
        await page.waitForSelector(
          "#run-logs div:has-text('interrupted: the run was stopped')",
        );
        await page.screenshot({ path: join(shots, "7_run_stopped.png") });
      },
    ),
});

Deno.test({
  name:
    "dashboard: a run left 'running' by a stopped process says so, with no Stop",
  ignore: chromium === undefined,
  ...opts,
  fn: () =>
    withDashboard(
      undefined,
      makeApp({
        "graph.yml": "title: Stale\nfunctions:\n  - node_file: a.ts\n",
        "a.ts": "export default () => {};\n",
      }).then(async (dir) => {
        const store = await openStore(undefined, dir);
        await store.createRun({
          id: "20260101-000000-stale0",
          status: "running",
          startedAt: new Date("2026-01-01T00:00:00Z"),
          selection: [],
          params: {},
          trigger: "cli",
        });
        await store.close();
        return dir;
      }),
      async (page, { url }) => {
        await page.goto(url + "/runs/20260101-000000-stale0");
        await page.waitForSelector("#run-stop-bar:not([hidden])");
        assert.match(
          (await page.textContent("#run-stop-msg")) ?? "",
          /this server is not running it/,
        );
        assert.equal(await page.isVisible("#run-stop"), false);
      },
    ),
});
