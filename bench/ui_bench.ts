// Dashboard bench: the Graph page of a generated 1,000-node graph (plus its
// 1,000 tables) in Debian's Chromium, served by the real dev server. Times
// from navigation to the first paint and to interactive (graph drawn,
// statuses applied, handlers attached), and the frame time of wheel-zoom
// and drag-pan. Baseline, in the same run: a static page holding the same
// SVG, pre-rendered, without any script.

import type { Browser } from "npm:playwright-core@^1.49";
import { createServer } from "../server/mod.ts";
import {
  chromiumPath,
  launchChromium,
  serveLocal,
} from "../server/ui/_browser.ts";
import type { Layout } from "../server/ui/layout.ts";
import { STYLE_CSS } from "../server/ui/assets/style_css.ts";
import { openStore } from "../stores/mod.ts";
import { type BenchRow, generate, median, tempApp } from "./_util.ts";

/** Node i reads one or two tables of the nodes shortly before it. */
function deps(i: number): number[] {
  if (i < 10) return [];
  const a = i - 1 - (i * 7) % 10;
  const b = i - 10 - (i * 13) % 20;
  return i % 3 === 0 && b >= 0 ? [a, b] : [a];
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The same drawing as the Graph page, as static markup. */
export function staticSvgPage(layout: Layout): string {
  const parts: string[] = [];
  for (const e of layout.edges) {
    const p = e.points;
    let d = `M${p[0]} ${p[1]}`;
    for (let i = 2; i < p.length; i += 2) d += `L${p[i]} ${p[i + 1]}`;
    parts.push(`<path class="edge" d="${d}"/>`);
  }
  for (const b of layout.boxes) {
    parts.push(
      `<g class="box ${b.kind}" transform="translate(${b.x} ${b.y})"><rect width="${b.w}" height="${b.h}" rx="6"/><text x="${
        b.w / 2
      }" y="19" text-anchor="middle">${esc(b.label)}</text>${
        b.sub
          ? `<text class="sub" x="${b.w / 2}" y="35" text-anchor="middle">${
            esc(b.sub)
          }</text>`
          : ""
      }</g>`,
    );
  }
  const k = Math.min(1, 1240 / layout.width, 700 / layout.height);
  return `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE_CSS}</style></head>` +
    `<body><main><svg class="dag"><g transform="scale(${k})">${
      parts.join("")
    }</g></svg></main></body></html>`;
}

interface Timing {
  fcp: number;
  ready: number;
}

async function load(
  browser: Browser,
  url: string,
  ready: string,
): Promise<Timing> {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 760 },
    bypassCSP: true, // lets the bench poll with string predicates
  });
  try {
    await page.goto(url);
    await page.waitForFunction(ready, undefined, { timeout: 60_000 });
    return await page.evaluate(`(() => {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      const drawn = performance.getEntriesByName("runnel:drawn")[0];
      const nav = performance.getEntriesByType("navigation")[0];
      return { fcp: fcp ? fcp.startTime : NaN, ready: drawn ? drawn.startTime : nav.loadEventEnd };
    })()`) as Timing;
  } finally {
    await page.close();
  }
}

/** Median and 95th percentile of rAF intervals while zooming then panning the 1,000-node graph. */
async function frameTimes(browser: Browser, url: string) {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 760 },
    bypassCSP: true, // lets the bench poll with string predicates
  });
  try {
    await page.goto(url);
    await page.waitForSelector("body[data-ready]");
    await page.waitForTimeout(300);
    await page.mouse.move(640, 400);
    await page.evaluate(`(window.__frames = [], (function tick(t) {
      window.__frames.push(t); if (window.__frames.length < 400) requestAnimationFrame(tick);
    })(performance.now()), requestAnimationFrame((t) => window.__frames.push(t)))`);
    for (let i = 0; i < 30; i++) await page.mouse.wheel(0, i < 15 ? -120 : 120);
    await page.mouse.down();
    for (let i = 0; i < 40; i++) {
      await page.mouse.move(640 - i * 8, 400 - i * 3);
    }
    await page.mouse.up();
    const frames = await page.evaluate("window.__frames") as number[];
    const d = frames.slice(2).map((t, i) => t - frames[i + 1]!).filter((x) =>
      x > 0
    ).sort((a, b) => a - b);
    return { p50: median(d), p95: d[Math.floor(d.length * 0.95)] ?? NaN };
  } finally {
    await page.close();
  }
}

/** An app whose store holds table `big` with `rows` rows. */
async function bigTableApp(rows: number): Promise<string> {
  const dir = await tempApp({
    "graph.yml": "title: Big table\nstores:\n  - table: big\n",
  });
  const store = await openStore(undefined, dir);
  const pub = await store.beginPublication();
  await pub.init("big", {
    schema: { id: "Integer", name: "Text", score: "Float", note: "Text" },
    uniqueOn: [],
  });
  for (let i = 0; i < rows; i += 20_000) {
    const batch = [];
    for (let j = i; j < Math.min(rows, i + 20_000); j++) {
      batch.push({
        id: j,
        name: `row ${j}`,
        score: (j % 997) / 997,
        note: "x".repeat(j % 40),
      });
    }
    await pub.append("big", batch);
  }
  await pub.commit({ runId: "bench" });
  await store.close();
  return dir;
}

/** Table page of a `rows`-row table: median ms from a pager click to the new page on screen. */
async function tablePageBench(browser: Browser, rows: number, times: number) {
  const dir = await bigTableApp(rows);
  const server = await createServer({ appDir: dir, watch: false });
  const http = serveLocal(server.app.fetch);
  const page = await browser.newPage({
    viewport: { width: 1280, height: 760 },
    bypassCSP: true,
  });
  try {
    const t0 = performance.now();
    await page.goto(http.url + "/tables/big?limit=100");
    await page.waitForSelector("#rows tbody tr");
    const first = performance.now() - t0;
    const clicks: number[] = [];
    for (let i = 0; i < times; i++) {
      const button = ["#last", "#first", "#next", "#prev"][i % 4]!;
      clicks.push(
        await page.evaluate(`new Promise((done) => {
        const info = document.getElementById("rows-info"), before = info.textContent;
        const t0 = performance.now();
        new MutationObserver((_, obs) => {
          if (info.textContent === before) return;
          obs.disconnect();
          requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0)));
        }).observe(info, { childList: true, characterData: true, subtree: true });
        document.querySelector("${button}").click();
      })`) as number,
      );
    }
    return { first, click: median(clicks) };
  } finally {
    await page.close();
    await server.close();
    await http.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Report rows of the dashboard bench (empty of numbers when there is no Chromium). */
export async function uiBench(
  nodes = 1000,
  times = 5,
  tableRows = 1_000_000,
): Promise<BenchRow[]> {
  const exe = chromiumPath();
  if (exe === undefined) {
    return [{ name: "(ui) dashboard", value: "skipped: no Chromium binary" }];
  }
  const dir = await generate(nodes, deps);
  const server = await createServer({ appDir: dir, watch: false });
  const http = serveLocal(server.app.fetch);
  // The server started laying the graph out (in a Worker) when it loaded
  // it; the first request waits for that one computation.
  const t0 = performance.now();
  const layout: Layout = await (await server.app.request("/ui/layout.json"))
    .json();
  const firstLayoutMs = performance.now() - t0;
  const stat = serveLocal(() =>
    new Response(staticSvgPage(layout), {
      headers: { "content-type": "text/html; charset=utf-8" },
    })
  );
  const browser = await launchChromium(exe);
  try {
    await load(browser, http.url + "/", "document.body.dataset.ready"); // warm-up
    const dash: Timing[] = [], base: Timing[] = [];
    for (let i = 0; i < times; i++) {
      base.push(
        await load(browser, stat.url, "document.readyState === 'complete'"),
      );
      dash.push(
        await load(
          browser,
          http.url + "/",
          "performance.getEntriesByName('runnel:drawn').length > 0",
        ),
      );
    }
    const ready = median(dash.map((t) => t.ready));
    const baseReady = median(base.map((t) => t.ready));
    const fcp = median(dash.map((t) => t.fcp));
    const frames = await frameTimes(browser, http.url + "/");
    const table = await tablePageBench(browser, tableRows, 4 * times);
    const n = tableRows.toLocaleString("en-US");
    const boxes = layout.boxes.length;
    return [
      {
        name: `(ui) Graph page, ${nodes} nodes + ${
          boxes - nodes
        } tables: navigation → interactive, median of ${times}`,
        value: `${ready.toFixed(0)} ms`,
        ratio: `${(ready / baseReady).toFixed(2)}× static SVG (${
          baseReady.toFixed(0)
        } ms)`,
        goal: "≤ 1 s",
        met: ready <= 1000,
      },
      {
        name: "(ui) Graph page: first contentful paint",
        value: `${fcp.toFixed(0)} ms`,
      },
      {
        name: "(ui) first paint → interactive",
        value: `${(ready - fcp).toFixed(0)} ms`,
        goal: "≤ 1 s",
        met: ready - fcp <= 1000,
      },
      {
        name: "(ui) wheel-zoom and drag-pan frame interval, p50 / p95",
        value: `${frames.p50.toFixed(1)} / ${frames.p95.toFixed(1)} ms`,
        ratio: "60 Hz = 16.7 ms",
      },
      {
        name:
          `(ui) Tables page of a ${n}-row table: pager click → 100 rows on screen, median of ${
            4 * times
          }`,
        value: `${table.click.toFixed(0)} ms`,
        ratio: `first page load ${table.first.toFixed(0)} ms`,
        goal: "< 100 ms",
        met: table.click < 100,
      },
      {
        name:
          "(ui) server-side layout (dagre, in a Worker, started when the graph loads), once per graph content",
        value: `${layout.layoutMs} ms`,
        ratio: `first layout.json answered ${
          firstLayoutMs.toFixed(0)
        } ms after the server was up`,
      },
    ];
  } finally {
    await browser.close();
    await server.close();
    await http.close();
    await stat.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { printTable } = await import("./_util.ts");
  printTable("Dashboard", await uiBench());
}
