/**
 * `/ui/api.js`: the dashboard's only client of the JSON API. Every field the
 * pages read goes through the `norm*` functions here, so a change in the
 * server's field names is fixed in one place. Also holds the token handling
 * (`?token=` once, then sessionStorage and `Authorization: Bearer`), the
 * Server-Sent Events reader (over fetch, so it can send the token), and the
 * small DOM helpers the pages share.
 *
 * Written as plain browser JavaScript inside `String.raw` (no backticks, no
 * `${` in the code) so it ships inside the module graph.
 *
 * @module
 */

/** Source of `/ui/api.js`. */
export const API_JS = String.raw`
const TOKEN_KEY = "runnel.token";
(function takeToken() {
  const u = new URL(location.href);
  const t = u.searchParams.get("token");
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    u.searchParams.delete("token");
    history.replaceState(null, "", u.pathname + u.search + u.hash);
  }
})();

function headers(extra) {
  const h = Object.assign({}, extra || {});
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (t) h.authorization = "Bearer " + t;
  return h;
}

/** Error with the server's message when there is one. */
export class ApiError extends Error {
  constructor(status, message, body) { super(message); this.status = status; this.body = body; }
}

async function request(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { "content-type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) {
    const msg = data && typeof data === "object"
      ? (typeof data.error === "string" ? data.error : (data.error && data.error.message) || data.message)
      : null;
    throw new ApiError(res.status, msg || (res.status + " " + res.statusText), data);
  }
  return data;
}

/** GET a JSON document. */
export const getJson = (path) => request("GET", path);
/** POST a JSON body, returns the JSON answer. */
export const postJson = (path, body) => request("POST", path, body);

// ---- field mapping: the one place that knows the API's field names ----

const arr = (v) => Array.isArray(v) ? v : [];
const portsOf = (v) => Array.isArray(v)
  ? v.map((p) => typeof p === "string" ? { port: p, table: p } : { port: p.port || p.name || p.table, table: p.table || p.name })
  : Object.entries(v || {}).map(([port, table]) => ({ port, table: typeof table === "string" ? table : (table && table.table) || port }));
const statusOf = (n) => n.status || n.lastStatus || (n.last && n.last.status) || (n.lastRun && n.lastRun.status) || "never";
const issuesOf = (e) => arr(e && (e.issues || (e.error && e.error.issues))).map((i) => ({
  message: i.message, file: i.file || (i.loc && i.loc.file), line: i.line || (i.loc && i.loc.line), col: i.col || (i.loc && i.loc.col),
}));

/** GET /api/graph → { valid, title, nodes[{id,title,file,kind,stage,status,inputs,outputs,trigger}], issues[] }. */
export function normGraph(g) {
  g = g || {};
  const valid = g.valid !== false && !g.error;
  const nodes = arr(g.nodes).map((n) => ({
    id: n.id, title: n.title || n.id, file: n.file || n.relFile || "", kind: n.kind || "",
    stage: n.stage || "", status: statusOf(n), trigger: n.trigger,
    inputs: portsOf(n.inputs), outputs: portsOf(n.outputs),
  }));
  return { valid, title: g.title || "", nodes, issues: valid ? [] : issuesOf(g.error || g) };
}

const runOf = (r) => ({
  id: r.id || r.runId, status: r.status || "", startedAt: r.startedAt, finishedAt: r.finishedAt,
  durationMs: r.durationMs, trigger: r.trigger || "", selection: arr(r.selection), params: r.params || {},
  nodes: r.nodes || {},
});
const logOf = (l) => ({ ts: l.ts || l.time, level: l.level || "info", message: String(l.message ?? ""), nodeId: l.nodeId || "", runId: l.runId || "" });
const nodeRunOf = (n) => ({
  runId: n.runId || "", nodeId: n.nodeId || n.id, title: n.title || n.nodeId || n.id, status: n.status || "",
  startedAt: n.startedAt, finishedAt: n.finishedAt, durationMs: n.durationMs, rowsWritten: n.rowsWritten ?? n.rows,
  reason: n.reason || "", error: n.error || "", logs: arr(n.logs).map(logOf),
});

/** GET /api/nodes/:id → node detail with code, ports, parameters, runs, reason, logs. */
export function normNode(d) {
  const n = d.node || d;
  const runs = arr(d.runs || d.lastRuns || d.recentRuns).map(nodeRunOf);
  return {
    id: n.id, title: n.title || n.id, file: n.file || n.relFile || "", kind: n.kind || "", stage: n.stage || "",
    trigger: n.trigger, status: statusOf(n.status || n.lastStatus ? n : (runs[0] || n)),
    code: d.code ?? n.code ?? "", inputs: portsOf((d.ports && d.ports.inputs) || n.inputs),
    outputs: portsOf((d.ports && d.ports.outputs) || n.outputs),
    parameters: arr(d.parameters || n.parameters).map((p) => ({
      name: p.name, type: p.type || "string", default: p.default, description: p.description || "",
      secret: !!p.secret, value: p.value,
    })),
    runs, reason: d.reason ?? d.plannerReason ?? (d.plan && d.plan.reason) ?? (runs[0] && runs[0].reason) ?? "",
    logs: arr(d.logs || d.latestLogs).map(logOf),
  };
}

/** GET /api/runs → runs, newest first. */
export const normRuns = (d) => arr(Array.isArray(d) ? d : d && d.runs).map(runOf);

/** GET /api/runs/:id → { run, nodes[], logs[] }. */
export function normRun(d) {
  const r = d.run || d;
  const nodes = arr(d.nodes || r.nodes).map(nodeRunOf);
  let logs = arr(d.logs || r.logs).map(logOf);
  if (logs.length === 0) logs = nodes.flatMap((n) => n.logs.map((l) => Object.assign({}, l, { nodeId: l.nodeId || n.nodeId })));
  return { run: runOf(r), nodes, logs, active: d.active === true, logsMore: d.logsMore === true };
}

/** GET /api/tables → tables with name, rowCount, version, updatedAt, nodeId. */
export const normTables = (d) => arr(Array.isArray(d) ? d : d && d.tables).map((t) => ({
  name: t.name, rowCount: t.rowCount ?? t.rows ?? t.count ?? 0, version: t.version, updatedAt: t.updatedAt,
  nodeId: t.nodeId || t.writtenBy || "", schema: schemaOf(t.schema),
}));
function schemaOf(s) {
  if (Array.isArray(s)) return s.map((c) => ({ name: c.name, type: c.type || "" }));
  return Object.entries(s || {}).map(([name, type]) => ({ name, type: typeof type === "string" ? type : (type && type.type) || "" }));
}

/** GET /api/tables/:name/rows → { schema[{name,type}], rows[], total }. */
export function normRows(d) {
  const schema = schemaOf(d.schema || (d.table && d.table.schema));
  const rows = arr(d.rows);
  const cols = schema.length ? schema : Object.keys(rows[0] || {}).map((name) => ({ name, type: "" }));
  return {
    schema: cols, rows, total: d.total ?? d.rowCount ?? rows.length, uniqueOn: arr(d.uniqueOn || (d.table && d.table.uniqueOn)),
    version: d.version ?? 0, updatedAt: d.updatedAt || "", runId: d.runId || "", nodeId: d.nodeId || "", producer: d.producer || "",
  };
}

/** Maps one SSE message to { type, ...data } with a normalized node status. */
function normEvent(type, data) {
  const e = Object.assign({}, data || {});
  e.type = (type && type !== "message") ? type : (e.type || "message");
  if (e.type === "log") Object.assign(e, logOf(e));
  return e;
}

// ---- Server-Sent Events over fetch (EventSource cannot send a token) ----

const listeners = new Set();
const reconnects = new Set();
let started = false;
let lastId = "";

/**
 * Subscribes to /api/events; onReconnect runs after a dropped stream is back
 * (refetch what was missed). With opts.replay the first connection asks for
 * every event the server still holds (a run page catches up on early logs).
 */
export function onEvent(fn, onReconnect, opts) {
  if (opts && opts.replay && !started) lastId = "0";
  listeners.add(fn);
  if (onReconnect) reconnects.add(onReconnect);
  if (!started) { started = true; streamLoop(); }
}

function setLive(ok) {
  const el = document.getElementById("live");
  if (el) { el.textContent = ok ? "● live" : "○ reconnecting…"; el.className = ok ? "st-succeeded" : "st-failed"; }
}

function dispatch(block) {
  let type = "", data = "";
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith("id:")) lastId = line.slice(3).trim();
    else if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).replace(/^ /, "");
  }
  if (!data && !type) return;
  let parsed = {};
  try { parsed = data ? JSON.parse(data) : {}; } catch { parsed = { message: data }; }
  const ev = normEvent(type, parsed);
  for (const fn of listeners) { try { fn(ev); } catch (err) { console.error(err); } }
}

async function streamLoop() {
  let delay = 500, first = true;
  for (;;) {
    try {
      const h = { accept: "text/event-stream" };
      if (lastId) h["last-event-id"] = lastId;
      const res = await fetch("/api/events", { headers: headers(h), credentials: "same-origin" });
      if (!res.ok || !res.body) throw new Error("events: " + res.status);
      setLive(true);
      if (!first) for (const fn of reconnects) fn();
      first = false; delay = 500;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let m;
        while ((m = /\r?\n\r?\n/.exec(buf))) {
          dispatch(buf.slice(0, m.index));
          buf = buf.slice(m.index + m[0].length);
        }
      }
    } catch (_) { /* retried below */ }
    setLive(false);
    first = false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 5000);
  }
}

// ---- shared helpers ----

/** Starts a run: body { nodes?, params?, force? } → runId. */
export async function startRun(body) {
  const d = await postJson("/api/runs", body);
  return d.runId || d.id || (d.run && d.run.id);
}

/** The params of POST /api/runs for values typed into one node's form: "node.name" keys, string values. */
export function paramsFor(nodeId, values) {
  const out = {};
  for (const [name, value] of Object.entries(values)) out[nodeId + "." + name] = String(value);
  return out;
}

/** The order= query value of GET /api/tables/:name/rows: "col" or "-col" for descending. */
export const orderParam = (col, desc) => (desc ? "-" : "") + col;

/** Builds an element: el("a", { href, class }, child, "text", …). */
export function el(tag, attrs, ...children) {
  const svg = tag.startsWith("svg:");
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/** Status badge. */
export const badge = (status) => el("span", { class: "badge st-" + (status || "never") }, status || "never run");
/** "1.2 s", "340 ms", "2m 03s". */
export function fmtMs(ms) {
  if (ms === undefined || ms === null || isNaN(ms)) return "";
  if (ms < 1000) return Math.round(ms) + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  const s = Math.round(ms / 1000);
  return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
}
/** Local date and time. */
export const fmtTime = (t) => t ? new Date(t).toLocaleString() : "";
const COUNT_ORDER = ["failed", "running", "succeeded", "cached", "skipped", "pending"];

/** Node counts by status as "1 failed · 2 succeeded", the most telling first. */
export function fmtCounts(counts) {
  return COUNT_ORDER.filter((s) => counts[s] > 0).map((s) => counts[s] + " " + s).join(" · ");
}

/** A time of day, with the date only when it is not today: for narrow tables. */
export function fmtShortTime(t) {
  if (!t) return "";
  const d = new Date(t);
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString([], { month: "short", day: "numeric" }) + ", " + time;
}
/** A log line as an element. */
export function logLine(l, withNode) {
  const ts = l.ts ? new Date(l.ts).toLocaleTimeString() : "";
  return el("div", { class: "lv-" + l.level }, el("span", { class: "who" }, ts + " " + (withNode && l.nodeId ? "[" + l.nodeId + "] " : "") + l.level.toUpperCase() + " "), l.message);
}
/** Shows an error message inside a container. */
export function showError(box, err) {
  box.replaceChildren(el("p", { class: "msg err", role: "alert" }, String(err && err.message || err)));
}
`;
