/**
 * `/ui/tables.js` (every table with its row count) and `/ui/table.js` (one
 * table: schema, row count and paginated rows, sortable by column).
 *
 * @module
 */

/** Source of `/ui/tables.js`. */
export const TABLES_JS = String.raw`
import { el, fmtTime, getJson, normTables, onEvent, showError } from "/ui/api.js";

const box = document.getElementById("tables");
let timer = 0;
async function load() {
  try {
    const tables = normTables(await getJson("/api/tables"));
    if (!tables.length) { box.replaceChildren(el("p", { class: "empty" }, "No table has been written yet.")); return; }
    box.replaceChildren(el("div", { class: "scroll" }, el("table", { class: "data", "aria-label": "Tables" },
      el("thead", {}, el("tr", {}, ["Table", "Rows", "Version", "Updated", "Written by", "Columns"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, tables.map((t) => el("tr", {},
        el("td", {}, el("a", { href: "/tables/" + encodeURIComponent(t.name) }, t.name)),
        el("td", { class: "num" }, Number(t.rowCount).toLocaleString()), el("td", { class: "num" }, t.version ?? ""),
        el("td", {}, fmtTime(t.updatedAt)),
        el("td", {}, t.nodeId ? el("a", { href: "/?node=" + encodeURIComponent(t.nodeId) }, t.nodeId) : ""),
        el("td", { class: "mono" }, t.schema.map((c) => c.name).join(", "))))))));
    document.body.dataset.ready = "1";
  } catch (err) { showError(box, err); }
}
onEvent((e) => { if (e.type === "node-finished" || e.type === "run-finished") { clearTimeout(timer); timer = setTimeout(load, 200); } }, load);
load();
`;

/** Source of `/ui/table.js`. */
export const TABLE_JS = String.raw`
import { el, fmtTime, getJson, normRows, onEvent, orderParam, showError } from "/ui/api.js";

const main = document.getElementById("main");
const name = main.dataset.table;
const schemaBox = document.getElementById("schema");
const provenance = document.getElementById("provenance");
const rowsBox = document.getElementById("rows");
const info = document.getElementById("rows-info");
const prev = document.getElementById("prev");
const next = document.getElementById("next");
const first = document.getElementById("first");
const lastBtn = document.getElementById("last");
const sizeSel = document.getElementById("page-size");
const q = new URL(location.href).searchParams;
const state = { offset: Math.max(0, Number(q.get("offset")) || 0), limit: Number(q.get("limit")) || 100, order: q.get("order") || "", total: 0 };
sizeSel.value = String(state.limit);

function cell(v) {
  if (v === null || v === undefined) return el("td", { class: "muted" }, "null");
  if (typeof v === "number") return el("td", { class: "num" }, String(v));
  if (typeof v === "object") return el("td", { class: "mono", title: JSON.stringify(v) }, JSON.stringify(v));
  const s = String(v);
  return el("td", { title: s.length > 60 ? s : undefined }, s);
}

function sortButton(col, type) {
  // JSON values have no order: the header of a Json column is plain text.
  if (type === "Json") return el("th", { scope: "col", title: "Json columns cannot be sorted" }, col);
  const asc = state.order === col, desc = state.order === "-" + col;
  const label = col + (asc ? " ▲" : desc ? " ▼" : "");
  return el("th", { scope: "col", "aria-sort": asc ? "ascending" : desc ? "descending" : "none" },
    el("button", { type: "button", class: "linkish", onclick: () => { state.order = asc ? orderParam(col, true) : desc ? "" : orderParam(col, false); state.offset = 0; load(); } }, label));
}

/** "version 3 · written by score_leads in run … · 12/7/2026, 6:19 AM". */
function provenanceOf(d) {
  const groups = [["version " + d.version]];
  const writer = d.nodeId || d.producer;
  if (writer || d.runId) {
    const by = ["written"];
    if (writer) by.push(" by ", el("a", { href: "/?node=" + encodeURIComponent(writer), class: "mono" }, writer));
    if (d.runId) by.push(" in run ", el("a", { href: "/runs/" + encodeURIComponent(d.runId), class: "mono" }, d.runId));
    groups.push(by);
  }
  if (d.updatedAt) groups.push([fmtTime(d.updatedAt)]);
  return groups.flatMap((g, i) => i ? [" · ", ...g] : g);
}

async function load() {
  const params = new URLSearchParams({ offset: String(state.offset), limit: String(state.limit) });
  if (state.order) params.set("order", state.order);
  const t0 = performance.now();
  try {
    const d = normRows(await getJson("/api/tables/" + encodeURIComponent(name) + "/rows?" + params));
    const ms = performance.now() - t0;
    state.total = d.total;
    provenance.replaceChildren(...provenanceOf(d));
    schemaBox.replaceChildren(el("dl", { class: "kv" }, d.schema.map((c) => [el("dt", { class: "mono" }, c.name),
      el("dd", {}, c.type + (d.uniqueOn.includes(c.name) ? " · unique key" : ""))])));
    const table = el("table", { class: "data", "aria-label": name + " rows" },
      el("thead", {}, el("tr", {}, d.schema.map((c) => sortButton(c.name, c.type)))),
      el("tbody", {}, d.rows.map((r) => el("tr", {}, d.schema.map((c) => cell(r[c.name]))))));
    rowsBox.replaceChildren(d.rows.length ? table : el("p", { class: "muted" }, "No rows."));
    const last = Math.min(state.offset + d.rows.length, d.total);
    info.textContent = (d.total ? (state.offset + 1).toLocaleString() + "–" + last.toLocaleString() : "0") + " of " +
      Number(d.total).toLocaleString() + " rows · " + Math.round(ms) + " ms";
    prev.disabled = first.disabled = state.offset <= 0;
    next.disabled = lastBtn.disabled = state.offset + state.limit >= d.total;
    const u = new URL(location.href);
    u.search = params.toString();
    history.replaceState(null, "", u.pathname + u.search);
    document.body.dataset.ready = "1";
  } catch (err) { showError(rowsBox, err); }
}
prev.onclick = () => { state.offset = Math.max(0, state.offset - state.limit); load(); };
next.onclick = () => { state.offset += state.limit; load(); };
first.onclick = () => { state.offset = 0; load(); };
lastBtn.onclick = () => { state.offset = Math.max(0, Math.floor((state.total - 1) / state.limit) * state.limit); load(); };
let timer = 0;
onEvent((e) => { if (e.type === "run-finished" || e.type === "node-finished") { clearTimeout(timer); timer = setTimeout(load, 200); } }, load);
sizeSel.onchange = () => { state.limit = Number(sizeSel.value); state.offset = 0; load(); };
load();
`;
