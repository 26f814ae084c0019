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
  clearTimeout(cullTimer);
  cullTimer = setTimeout(cull, 120);
}

// Level of detail: painting thousands of labels is what makes a frame slow,
// so a large graph shows labels only on the boxes near the viewport (a
// class toggled once the view settles, from the layout's own coordinates:
// no DOM reads) and none at all when zoomed far out.
const CULL_FROM = 300;
let placed = []; // { g, x, y, w, h } of every box
const shown = new Set();
let cullTimer = 0;
function cull() {
  if (placed.length <= CULL_FROM) return;
  const r = svg.getBoundingClientRect();
  const mx = r.width / view.k * 0.25, my = r.height / view.k * 0.25;
  const x0 = -view.x / view.k - mx, y0 = -view.y / view.k - my;
  const x1 = (r.width - view.x) / view.k + mx, y1 = (r.height - view.y) / view.k + my;
  const lod = view.k >= 0.42;
  for (const b of placed) {
    const vis = lod && b.x + b.w >= x0 && b.x <= x1 && b.y + b.h >= y0 && b.y <= y1;
    if (vis !== shown.has(b)) {
      b.g.classList.toggle("vis", vis);
      if (vis) shown.add(b); else shown.delete(b);
    }
  }
}
function schedule() { if (!frame) frame = requestAnimationFrame(apply); }

/** Fits the whole graph; a graph too large to read that way starts at its sources (left), at 0.3× (colors, no text). */
function fit(initial) {
  const r = svg.getBoundingClientRect();
  if (!size.w || !r.width) return;
  const all = Math.min(1.2, (r.width - 40) / size.w, (r.height - 70) / size.h);
  const k = initial ? Math.max(all, 0.3) : all;
  const x = k > all ? 20 : (r.width - size.w * k) / 2;
  const y = size.h * k < r.height - 70 ? Math.max(56, (r.height - size.h * k) / 2) : 56;
  view = { k, x, y };
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
document.getElementById("zoom-fit").onclick = () => fit(false);
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
  if (selected) {
    openNodePanel(selected, { onClose: () => select("") });
    requestAnimationFrame(() => reveal(selected));
  } else closeNodePanel();
}

/** Pans so the box of node id is inside the visible canvas (the panel narrows it). */
function reveal(id) {
  const b = boxes.get(id);
  if (!b) return;
  const r = svg.getBoundingClientRect(), br = b.g.getBoundingClientRect();
  const pad = 24;
  let dx = 0, dy = 0;
  if (br.right > r.right - pad) dx = r.right - pad - br.right;
  if (br.left + dx < r.left + pad) dx = r.left + pad - br.left;
  if (br.bottom > r.bottom - pad) dy = r.bottom - pad - br.bottom;
  if (br.top + dy < r.top + 90) dy = r.top + 90 - br.top;
  if (dx || dy) { view.x += dx; view.y += dy; schedule(); }
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
  placed = [];
  shown.clear();
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
    placed.push({ g, x: b.x, y: b.y, w: b.w, h: b.h });
  }
  vp.replaceChildren(edgeG, boxG);
  svg.classList.toggle("culled", placed.length > CULL_FROM);
  cull();
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
    el("p", { class: "muted" }, (boxes.size ? "The last valid graph stays on screen; fix" : "Fix") + " the file and this page updates by itself."),
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
      if (g.title) document.getElementById("app-title").textContent = g.title;
      if (layout && layout.boxes) {
        if (!layoutKey) {
          // Fit and pick the level of detail before the boxes exist: reading
          // the canvas size is then free, and hidden text is never laid out.
          size = { w: layout.width, h: layout.height };
          fit(true);
          if (frame) { cancelAnimationFrame(frame); apply(); }
        }
        if (layout.key !== layoutKey) draw(layout);
      }
      showIssues(issues);
      if (issues.length) empty.hidden = true;
      for (const n of g.nodes) setStatus(n.id, n.status);
      if (!document.body.dataset.ready) {
        performance.mark("runnel:interactive");
        requestAnimationFrame(() => setTimeout(() => performance.mark("runnel:drawn")));
      }
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
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && selected) {
    const g = boxes.get(selected) && boxes.get(selected).g;
    select("");
    if (g) g.focus();
  }
});
`;
