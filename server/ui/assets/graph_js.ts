/**
 * `/ui/graph.js`: the Graph page. Draws the DAG from `/ui/layout.json` as
 * one SVG whose content sits in a single `<g>`: wheel-zoom and drag-pan
 * only rewrite that group's transform (once per animation frame), and text
 * is hidden when zoomed far out, so 1,000 nodes stay smooth. Node colors
 * follow the last status and change live from the event stream; an invalid
 * graph.yml shows its issues with file and line.
 *
 * @module
 */

/** Source of `/ui/graph.js`. */
export const GRAPH_JS = String.raw`
import { el, getJson, normGraph, onEvent, showError, startRun } from "/ui/api.js";
import { closeNodePanel, openNodePanel, refreshNodePanel } from "/ui/node_panel.js";

const svg = document.getElementById("dag");
const vp = document.getElementById("viewport");
const errors = document.getElementById("graph-errors");
const msg = document.getElementById("graph-msg");
const empty = document.getElementById("graph-empty");
const boxes = new Map(); // node id → { g, sub, title, file, status, label }
let view = { x: 0, y: 0, k: 1 };
let layoutKey = "";
let size = { w: 0, h: 0 };
let frame = 0;
let selected = "";

function apply() {
  frame = 0;
  vp.setAttribute("transform", "translate(" + view.x.toFixed(1) + " " + view.y.toFixed(1) + ") scale(" + view.k.toFixed(4) + ")");
  svg.classList.toggle("lod-low", view.k < 0.42);
}
function schedule() { if (!frame) frame = requestAnimationFrame(apply); }

function fit() {
  const r = svg.getBoundingClientRect();
  if (!size.w || !r.width) return;
  const k = Math.min(1.2, (r.width - 40) / size.w, (r.height - 70) / size.h);
  view = { k, x: (r.width - size.w * k) / 2, y: Math.max(56, (r.height - size.h * k) / 2) };
  schedule();
}
function zoomAt(px, py, factor) {
  const k = Math.min(4, Math.max(0.03, view.k * factor));
  const f = k / view.k;
  view = { k, x: px - (px - view.x) * f, y: py - (py - view.y) * f };
  schedule();
}

svg.addEventListener("wheel", (e) => {
  e.preventDefault();
  const r = svg.getBoundingClientRect();
  const d = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
  zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-d * 0.0015));
}, { passive: false });

let drag = null;
svg.addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return;
  drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false, id: e.pointerId };
});
svg.addEventListener("pointermove", (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
  if (!drag.moved) { drag.moved = true; svg.setPointerCapture(drag.id); svg.classList.add("dragging"); }
  view.x = drag.vx + dx; view.y = drag.vy + dy;
  schedule();
});
function endDrag(e) {
  if (!drag) return;
  const d = drag;
  drag = null;
  svg.classList.remove("dragging");
  if (d.moved) return;
  const g = e.target.closest && e.target.closest(".node");
  if (g) select(g.dataset.id);
}
svg.addEventListener("pointerup", endDrag);
svg.addEventListener("pointercancel", () => { drag = null; svg.classList.remove("dragging"); });
svg.addEventListener("keydown", (e) => {
  const g = e.target.closest && e.target.closest(".node");
  if (g && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); select(g.dataset.id); }
});
document.getElementById("zoom-in").onclick = () => { const r = svg.getBoundingClientRect(); zoomAt(r.width / 2, r.height / 2, 1.25); };
document.getElementById("zoom-out").onclick = () => { const r = svg.getBoundingClientRect(); zoomAt(r.width / 2, r.height / 2, 0.8); };
document.getElementById("zoom-fit").onclick = fit;
document.getElementById("run-all").onclick = async (e) => {
  const force = document.getElementById("run-force").checked;
  e.target.disabled = true;
  try {
    const id = await startRun(force ? { force: true } : {});
    msg.replaceChildren("Run ", el("a", { href: "/runs/" + encodeURIComponent(id) }, id), " started.");
  } catch (err) { showError(msg, err); } finally { e.target.disabled = false; }
};

function select(id) {
  if (selected && boxes.get(selected)) boxes.get(selected).g.classList.remove("selected");
  selected = id || "";
  const b = boxes.get(selected);
  if (b) b.g.classList.add("selected");
  const u = new URL(location.href);
  if (selected) u.searchParams.set("node", selected); else u.searchParams.delete("node");
  history.replaceState(null, "", u.pathname + u.search);
  if (selected) openNodePanel(selected, { onClose: () => select("") });
  else closeNodePanel();
}

function setStatus(id, status) {
  const b = boxes.get(id);
  if (!b) return;
  b.status = status || "never";
  b.g.setAttribute("class", "box node st-" + b.status + (id === selected ? " selected" : ""));
  b.g.dataset.status = b.status;
  const word = b.status === "never" ? "never run" : b.status;
  b.sub.textContent = b.file + " · " + word;
  b.g.setAttribute("aria-label", b.label + ", " + word);
  b.tip.textContent = b.label + " (" + word + ")";
}

function draw(layout) {
  layoutKey = layout.key;
  size = { w: layout.width, h: layout.height };
  const edgeG = el("svg:g", { class: "edges" });
  for (const e of layout.edges) {
    const p = e.points;
    if (p.length < 4) continue;
    let d = "M" + p[0] + " " + p[1];
    for (let i = 2; i < p.length; i += 2) d += "L" + p[i] + " " + p[i + 1];
    edgeG.append(el("svg:path", { class: "edge", d, "marker-end": "url(#arrow)" }));
  }
  const boxG = el("svg:g", { class: "boxes" });
  const old = new Map([...boxes].map(([k, v]) => [k, v.status]));
  boxes.clear();
  for (const b of layout.boxes) {
    const g = el("svg:g", { class: "box " + b.kind, transform: "translate(" + b.x + " " + b.y + ")" });
    g.append(el("svg:rect", { width: b.w, height: b.h, rx: b.kind === "node" ? 8 : 4 }));
    const cx = b.w / 2;
    if (b.kind === "node") {
      const tip = el("svg:title", {}, b.label);
      const sub = el("svg:text", { class: "sub", x: cx, y: 35, "text-anchor": "middle" }, b.sub || "");
      g.append(tip, el("svg:text", { x: cx, y: 19, "text-anchor": "middle", "font-weight": 600 }, b.label), sub);
      g.dataset.id = b.ref;
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      boxes.set(b.ref, { g, sub, tip, file: b.sub || "", label: b.label, status: "never" });
    } else {
      g.append(el("svg:title", {}, "table " + b.label));
      g.append(el("svg:text", { x: cx, y: b.sub ? 17 : 19, "text-anchor": "middle" }, "▦ " + b.label));
      if (b.sub) g.append(el("svg:text", { class: "sub", x: cx, y: 32, "text-anchor": "middle" }, b.sub));
      g.addEventListener("dblclick", () => { location.href = "/tables/" + encodeURIComponent(b.ref); });
    }
    boxG.append(g);
  }
  vp.replaceChildren(edgeG, boxG);
  for (const [id, s] of old) setStatus(id, s);
  for (const id of boxes.keys()) if (!old.has(id)) setStatus(id, "never");
  empty.hidden = layout.boxes.length > 0;
}

function showIssues(issues) {
  if (!issues.length) { errors.hidden = true; errors.replaceChildren(); return; }
  errors.hidden = false;
  errors.replaceChildren(
    el("h2", {}, "graph.yml is invalid: " + issues.length + (issues.length === 1 ? " issue" : " issues")),
    el("ul", {}, issues.map((i) => el("li", {},
      el("span", { class: "loc" }, (i.file || "graph.yml") + (i.line ? ":" + i.line + (i.col ? ":" + i.col : "") : "")),
      " — ", i.message))),
    el("p", { class: "muted" }, "The last valid graph stays on screen; fix the file and it updates by itself."),
  );
}

let loading = null;
async function load() {
  if (loading) return loading;
  loading = (async () => {
    try {
      const [layout, graph] = await Promise.all([getJson("/ui/layout.json"), getJson("/api/graph")]);
      const g = normGraph(graph);
      const issues = g.valid ? [] : (g.issues.length ? g.issues : normGraph(layout).issues);
      showIssues(issues);
      if (layout && layout.boxes) {
        const first = !layoutKey;
        if (layout.key !== layoutKey) draw(layout);
        if (first) fit();
      }
      for (const n of g.nodes) setStatus(n.id, n.status);
      document.body.dataset.ready = "1";
    } catch (err) { showError(msg, err); }
  })();
  try { await loading; } finally { loading = null; }
}

onEvent((e) => {
  if (e.type === "node-started") setStatus(e.nodeId, "running");
  else if (e.type === "node-finished") setStatus(e.nodeId, e.status);
  else if (e.type === "graph-changed") load();
  else if (e.type === "run-finished") load();
  else if (e.type === "run-error") showError(msg, "Run failed to start: " + (e.error || "unknown error"));
  if (selected && e.nodeId === selected && (e.type === "node-finished" || e.type === "log")) refreshNodePanel(e);
}, load);

await load();
const start = new URL(location.href).searchParams.get("node");
if (start && boxes.has(start)) select(start);
window.addEventListener("resize", () => schedule());
`;
