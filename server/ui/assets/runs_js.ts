/**
 * `/ui/runs.js` (the Runs list) and `/ui/run.js` (one run: a per-node
 * timeline and its logs, both following the event stream while it runs).
 *
 * @module
 */

/** Source of `/ui/runs.js`. */
export const RUNS_JS = String.raw`
import { badge, el, fmtCounts, fmtMs, fmtTime, getJson, normRuns, onEvent, showError, startRun } from "/ui/api.js";

const box = document.getElementById("runs");
const msg = document.getElementById("runs-msg");
let timer = 0;

function durationOf(r) {
  if (r.durationMs !== undefined && r.durationMs !== null) return r.durationMs;
  if (!r.startedAt) return undefined;
  return (r.finishedAt ? new Date(r.finishedAt) : new Date()) - new Date(r.startedAt);
}

async function load() {
  try {
    const runs = normRuns(await getJson("/api/runs?limit=100"));
    if (!runs.length) { box.replaceChildren(el("p", { class: "empty" }, "No runs yet. Start one with “Run graph”.")); return; }
    box.replaceChildren(el("div", { class: "scroll" }, el("table", { class: "data", "aria-label": "Runs" },
      el("thead", {}, el("tr", {}, ["Run", "Status", "Started", "Duration", "Nodes", "Trigger", "Selection"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, runs.map((r) => el("tr", {},
        el("td", {}, el("a", { href: "/runs/" + encodeURIComponent(r.id), class: "mono" }, r.id)),
        el("td", {}, badge(r.status)), el("td", {}, fmtTime(r.startedAt)), el("td", { class: "num" }, fmtMs(durationOf(r))),
        el("td", { class: "counts" }, fmtCounts(r.nodes)), el("td", {}, r.trigger), el("td", { class: "mono" }, r.selection.join(" ") || "all")))))));
    document.body.dataset.ready = "1";
  } catch (err) { showError(box, err); }
}
const soon = () => { clearTimeout(timer); timer = setTimeout(load, 200); };

document.getElementById("run-all").onclick = async (e) => {
  e.target.disabled = true;
  try {
    const id = await startRun(document.getElementById("run-force").checked ? { force: true } : {});
    msg.replaceChildren("Run ", el("a", { href: "/runs/" + encodeURIComponent(id) }, id), " started.");
    soon();
  } catch (err) { showError(msg, err); } finally { e.target.disabled = false; }
};
onEvent((e) => { if (e.type.startsWith("run-") || e.type === "node-finished") soon(); }, load);
load();
`;

/** Source of `/ui/run.js`. */
export const RUN_JS = String.raw`
import { badge, el, fmtCounts, fmtMs, fmtTime, getJson, logLine, normRun, onEvent, postJson, showError } from "/ui/api.js";

const main = document.getElementById("main");
const runId = main.dataset.runId;
const head = document.getElementById("run-head");
const stopBar = document.getElementById("run-stop-bar");
const stopBtn = document.getElementById("run-stop");
const stopMsg = document.getElementById("run-stop-msg");
stopBtn.onclick = async () => {
  stopBtn.disabled = true;
  stopMsg.textContent = "Stopping: running nodes are interrupted, nothing of theirs is published…";
  try { await postJson("/api/runs/" + encodeURIComponent(runId) + "/cancel", {}); } catch (err) { stopBtn.disabled = false; showError(stopMsg, err); }
};
const gantt = document.getElementById("gantt");
const logs = document.getElementById("run-logs");
let data = null;
let timer = 0;
let ticker = 0;
let logCount = 0;

const ms = (t) => t ? new Date(t).getTime() : NaN;

function drawHead(r, nodes) {
  const dur = r.durationMs ?? ((r.finishedAt ? ms(r.finishedAt) : Date.now()) - ms(r.startedAt));
  const params = Object.entries(r.params || {});
  head.replaceChildren(el("dl", { class: "kv" },
    el("dt", {}, "status"), el("dd", {}, badge(r.status)),
    el("dt", {}, "started"), el("dd", {}, fmtTime(r.startedAt)),
    el("dt", {}, "duration"), el("dd", {}, fmtMs(dur)),
    el("dt", {}, "trigger"), el("dd", {}, r.trigger || ""),
    el("dt", {}, "selection"), el("dd", { class: "mono" }, r.selection.join(" ") || "all"),
    params.length ? [el("dt", {}, "parameters"), el("dd", { class: "mono" }, params.map(([k, v]) => k + "=" + v).join("  "))] : null,
    el("dt", {}, "nodes"), el("dd", { class: "counts" }, nodes.length + ": " + fmtCounts(countBy(nodes)))));
}

/** Axis marks for a span of that many ms: the largest round step (1, 2 or 5 × 10ⁿ ms) that gives at least four. */
function ticks(span) {
  const raw = Math.max(1, span / 3);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [5, 2, 1].map((m) => m * pow).find((s) => s <= raw);
  const out = [];
  for (let v = 0; v <= span + 1e-9; v += step) out.push(Math.round(v / pow) * pow);
  return out;
}

function countBy(nodes) {
  const c = {};
  for (const n of nodes) c[n.status] = (c[n.status] || 0) + 1;
  return c;
}

function drawGantt(r, nodes) {
  const t0 = ms(r.startedAt);
  const ends = nodes.map((n) => ms(n.finishedAt) || (n.startedAt ? Date.now() : NaN)).filter((x) => !isNaN(x));
  const t1 = Math.max(r.finishedAt ? ms(r.finishedAt) : Date.now(), ...ends, t0 + 1);
  const span = t1 - t0;
  const values = ticks(span);
  const axis = el("div", { class: "track axis", "aria-hidden": "true" },
    values.map((v) => el("span", { class: "tick" + (v / span > 0.92 ? " end" : "") }, fmtMs(v))));
  [...axis.children].forEach((t, i) => { t.style.left = (values[i] / span * 100).toFixed(2) + "%"; });
  const rows = nodes.length ? [el("span", { class: "muted" }, "node"), axis, el("span")] : [];
  for (const n of nodes) {
    const s = ms(n.startedAt), e = ms(n.finishedAt) || (n.status === "running" ? Date.now() : s);
    const bar = el("div", { class: "bar st-" + n.status, title: n.status + (n.reason ? ": " + n.reason : "") });
    if (!isNaN(s)) {
      bar.style.left = ((s - t0) / span * 100).toFixed(2) + "%";
      bar.style.width = (Math.max(0, e - s) / span * 100).toFixed(2) + "%";
    } else bar.hidden = true;
    rows.push(el("a", { href: "/?node=" + encodeURIComponent(n.nodeId), title: n.reason || "" }, n.title),
      el("div", { class: "track", role: "img", "aria-label": n.title + ": " + n.status + " " + fmtMs(n.durationMs) }, bar),
      el("div", { class: "dur" }, badge(n.status), " ", fmtMs(n.durationMs ?? (n.status === "running" ? Date.now() - s : undefined)),
        n.rowsWritten ? " · " + n.rowsWritten + " rows" : ""));
    const note = n.error || n.reason;
    if (note) rows.push(el("span"), el("div", { class: n.error ? "msg err" : "muted" }, note), el("span"));
  }
  gantt.replaceChildren(...(rows.length ? rows : [el("p", { class: "muted" }, "No node has started yet.")]));
}

function draw() {
  if (!data) return;
  drawHead(data.run, data.nodes);
  drawGantt(data.run, data.nodes);
  const running = data.run.status === "running";
  stopBar.hidden = !(running && data.active);
  if (running && !data.active && !stopMsg.textContent) {
    stopBar.hidden = false;
    stopBtn.hidden = true;
    stopMsg.textContent = "Recorded as running, but this server is not running it: another process is, or one stopped without finishing it (the next run on this store closes it).";
  }
  if (running && !ticker) ticker = setInterval(draw, 250);
  if (!running && ticker) { clearInterval(ticker); ticker = 0; }
}

// A node's log lines reach the store when it ends; until then they come
// from the event stream. Per node: the stored lines once there are any,
// else the live ones (so nothing is shown twice or lost on a refetch).
let live = [];
let stored = new Set(); // node ids with stored lines

function appendLog(l) {
  const stick = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 8;
  const placeholder = logs.querySelector(".empty-logs");
  if (placeholder) placeholder.remove();
  logs.append(logLine(l, true));
  logCount++;
  if (stick) logs.scrollTop = logs.scrollHeight;
}

function renderLogs() {
  stored = new Set(data.logs.map((l) => l.nodeId));
  const lines = data.logs.concat(live.filter((l) => !stored.has(l.nodeId)))
    .map((l, i) => [new Date(l.ts).getTime() || 0, i, l])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const stick = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 8;
  logs.replaceChildren();
  logCount = 0;
  for (const [, , l] of lines) appendLog(l);
  if (!logCount) logs.append(el("span", { class: "muted empty-logs" }, "No log lines."));
  if (data.logsMore) {
    const url = "/api/runs/" + encodeURIComponent(runId) + "/logs?offset=" + data.logs.length;
    logs.append(el("div", { class: "muted logs-more" }, "More lines than shown here: ", el("a", { href: url }, "the rest, page by page")));
  }
  if (stick) logs.scrollTop = logs.scrollHeight;
}

async function refetch() {
  try {
    data = normRun(await getJson("/api/runs/" + encodeURIComponent(runId)));
    draw();
    renderLogs();
    document.body.dataset.ready = "1";
  } catch (err) { showError(head, err); }
}
const soon = (ms) => { clearTimeout(timer); timer = setTimeout(refetch, ms); };

onEvent((e) => {
  if (e.runId !== runId) return;
  if (e.type === "log") {
    live.push(e);
    if (!stored.has(e.nodeId)) appendLog(e);
  } else if (e.type === "node-started" && data) {
    const n = data.nodes.find((x) => x.nodeId === e.nodeId);
    if (n) { n.status = "running"; n.startedAt = n.startedAt || new Date().toISOString(); draw(); } else soon(50);
  } else if (e.type === "node-finished" || e.type === "run-finished" || e.type === "run-started") {
    soon(100);
  }
}, refetch, { replay: true });
refetch();
`;
