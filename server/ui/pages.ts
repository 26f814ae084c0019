/**
 * Server-rendered page shells of the dashboard (hono/html). Each page is a
 * small accessible skeleton plus one client module that fills it from the
 * JSON API; the Graph page also renders graph.yml's issues on the server so
 * they show even before any script runs.
 *
 * @module
 */

import { html, raw } from "npm:hono@^4.6.0/html";
import type { HtmlEscapedString } from "npm:hono@^4.6.0/utils/html";
import type { GraphIssue } from "../../core/errors.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Which tab of the top navigation is current. */
export type Section = "graph" | "runs" | "tables";

function shell(
  o: {
    title: string;
    app: string;
    section: Section;
    script: string;
    mainClass?: string;
    data?: Record<string, string>;
  },
  body: Html,
): Html {
  const cur = (s: Section) =>
    raw(s === o.section ? ` aria-current="page"` : "");
  const data = Object.entries(o.data ?? {});
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${o.title} · ${o.app || "Runnel"}</title>
        <link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/ui/style.css">
        <script type="module" src="/ui/${o.script}"></script>
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="top">
          <span class="brand">Runnel</span>
          <span class="muted" id="app-title">${o.app}</span>
          <nav aria-label="Main">
            <a href="/" ${cur("graph")}>Graph</a>
            <a href="/runs" ${cur("runs")}>Runs</a>
            <a href="/tables" ${cur("tables")}>Tables</a>
          </nav>
          <span class="spacer"></span>
          <span id="live" aria-live="polite" class="muted">○ connecting…</span>
        </header>
        <main id="main" class="${o.mainClass ?? "page"}" ${data.map(([k, v]) =>
          html`
            data-${k}="${v}"
          `
        )}tabindex="-1">
    ${body}
        </main>
      </body>
    </html>
  `;
}

const runButtons =
  html`<button type="button" id="run-all" class="primary">Run graph</button>
<label><input type="checkbox" id="run-force"> force</label>`;

function issueList(issues: GraphIssue[]): Html {
  if (issues.length === 0) return html``;
  return html`
    <h2>graph.yml is invalid: ${issues.length} ${issues.length === 1
      ? "issue"
      : "issues"}</h2>
    <ul>${issues.map((i) =>
      html`<li><span class="loc">${i.loc.file}:${i.loc.line}:${i.loc.col}</span> — ${i.message}</li>`
    )}</ul>
  `;
}

/** `/`: the graph, its toolbar, the node panel, and any graph.yml issues. */
export function graphPage(app: string, issues: GraphIssue[]): Html {
  return shell(
    {
      title: "Graph",
      app,
      section: "graph",
      script: "graph.js",
      mainClass: "",
    },
    html`
      <div id="graph-errors" class="error-box" role="alert"
        ${issues.length ? "" : "hidden"}>${issueList(issues)}</div>
      <div class="graph-wrap">
        <div class="canvas">
          <div class="graph-tools" role="toolbar" aria-label="Graph tools">
            ${runButtons}
            <button type="button" id="zoom-in" aria-label="Zoom in">+</button>
            <button type="button" id="zoom-out" aria-label="Zoom out">−</button>
            <button type="button" id="zoom-fit">Fit</button>
            <span class="legend" aria-label="Status colors"><span class="st-succeeded">succeeded</span><span class="st-cached">cached</span><span class="st-failed">failed</span><span class="st-running">running</span><span class="st-skipped">skipped</span><span class="st-never">never run</span></span>
            <span id="graph-msg" class="msg" role="status" aria-live="polite"></span>
              </div>
          <svg id="dag" class="dag" role="group"
            aria-label="Graph of nodes and tables; drag to pan, wheel to zoom, Enter on a node opens it">
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"
                markerHeight="7" orient="auto">
                <path d="M0 0L10 5L0 10z" class="arrowhead" />
              </marker>
            </defs>
            <g id="viewport"></g>
          </svg>
          <p id="graph-empty" class="empty"
            hidden>This graph has no nodes or tables yet.</p>
        </div>
        <aside id="node-panel" class="panel" hidden tabindex="-1"
          aria-labelledby="node-title"></aside>
      </div>
    `,
  );
}

/** `/runs`: every run, newest first. */
export function runsPage(app: string): Html {
  return shell(
    { title: "Runs", app, section: "runs", script: "runs.js" },
    html`
      <h1>Runs</h1>
      <div
        class="toolbar">${runButtons}<span id="runs-msg" class="msg" role="status" aria-live="polite"></span></div>
      <div id="runs">
        <p class="muted">Loading…</p>
      </div>
    `,
  );
}

/** `/runs/:id`: one run's timeline and logs. */
export function runPage(app: string, id: string): Html {
  return shell(
    {
      title: `Run ${id}`,
      app,
      section: "runs",
      script: "run.js",
      data: { "run-id": id },
    },
    html`
      <h1>Run <span class="mono">${id}</span></h1>
      <p class="toolbar" id="run-stop-bar" hidden>
        <button type="button" id="run-stop" class="danger">Stop run</button>
        <span id="run-stop-msg" class="muted" role="status"></span>
      </p>
      <div id="run-head">
        <p class="muted">Loading…</p>
      </div>
      <h2>Timeline</h2>
      <div id="gantt" class="gantt" aria-label="Per-node timeline"></div>
      <h2>Logs</h2>
      <div id="run-logs" class="logs" role="log" aria-live="polite"
        tabindex="0"></div>
    `,
  );
}

/** `/tables`: every committed table. */
export function tablesPage(app: string): Html {
  return shell(
    { title: "Tables", app, section: "tables", script: "tables.js" },
    html`
      <h1>Tables</h1>
      <div id="tables">
        <p class="muted">Loading…</p>
      </div>
    `,
  );
}

/** `/tables/:name`: schema and paginated rows. */
export function tablePage(app: string, name: string): Html {
  return shell(
    {
      title: name,
      app,
      section: "tables",
      script: "table.js",
      data: { table: name },
    },
    html`
      <h1>Table <span class="mono">${name}</span></h1>
      <p id="provenance" class="muted"></p>
      <h2>Schema</h2>
      <div id="schema">
        <p class="muted">Loading…</p>
      </div>
      <h2>Rows</h2>
      <div class="pager">
        <button type="button" id="first" aria-label="First page">⇤</button>
        <button type="button" id="prev" aria-label="Previous page">← Prev</button>
        <button type="button" id="next" aria-label="Next page">Next →</button>
        <button type="button" id="last" aria-label="Last page">⇥</button>
        <label>Page size <select id="page-size"><option>50</option><option>100</option><option>500</option><option>1000</option></select></label>
        <span id="rows-info" class="muted" role="status" aria-live="polite"></span>
      </div>
      <div id="rows" class="scroll"></div>
    `,
  );
}
