/**
 * `/ui/node_panel.js`: the side panel the Graph page opens on a node: the
 * trigger form (built from the node's declared parameters), the planner's
 * reason, ports, parameters, recent runs, latest logs and the code.
 *
 * @module
 */

/** Source of `/ui/node_panel.js`. */
export const NODE_PANEL_JS = String.raw`
import { badge, el, fmtMs, fmtShortTime, fmtTime, getJson, logLine, normNode, paramsFor, showError, startRun } from "/ui/api.js";

const panel = document.getElementById("node-panel");
let current = "";
let onClose = null;
let refreshTimer = 0;
let kept = []; // the trigger form survives live refreshes, with what the user typed

/** Closes the panel. */
export function closeNodePanel() {
  current = "";
  panel.hidden = true;
  panel.replaceChildren();
  panel.dataset.node = "";
  kept = [];
}

/** Opens the panel on node id and loads its details. */
export async function openNodePanel(id, opts) {
  current = id;
  onClose = opts && opts.onClose;
  panel.hidden = false;
  panel.setAttribute("aria-busy", "true");
  if (!panel.firstChild) panel.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  try {
    const d = normNode(await getJson("/api/nodes/" + encodeURIComponent(id)));
    if (current !== id) return;
    render(d);
  } catch (err) {
    if (current === id) showError(panel, err);
  } finally { panel.removeAttribute("aria-busy"); }
}

/** Reloads the open panel soon (coalesces bursts of log events). */
export function refreshNodePanel() {
  if (!current || refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = 0; if (current) openNodePanel(current, { onClose }); }, 300);
}

function inputFor(p) {
  const id = "param-" + p.name;
  const common = { id, name: p.name, "aria-describedby": p.description ? id + "-hint" : undefined };
  if (p.type === "boolean") {
    return el("select", common, el("option", { value: "" }, "(default" + (p.default !== undefined ? ": " + p.default : "") + ")"),
      el("option", { value: "true" }, "true"), el("option", { value: "false" }, "false"));
  }
  const type = p.secret ? "password" : p.type === "integer" || p.type === "float" ? "number" : p.type === "date" ? "date" : "text";
  const shown = p.value !== undefined && p.value !== null ? p.value : p.default;
  const placeholder = shown !== undefined ? String(Array.isArray(shown) ? shown.join(",") : shown) : (p.type === "list" ? "a,b,c" : "required");
  const attrs = Object.assign(common, { type, placeholder });
  if (p.type === "float") attrs.step = "any";
  if (p.type === "integer") attrs.step = "1";
  return el("input", attrs);
}

function triggerForm(d) {
  const status = el("div", { class: "msg", role: "status", "aria-live": "polite" });
  const form = el("form", { class: "trigger", "aria-label": "Run " + d.title });
  for (const p of d.parameters) {
    form.append(el("label", { for: "param-" + p.name }, p.name, el("span", { class: "muted" }, " (" + p.type + ")")), inputFor(p));
    if (p.description) form.append(el("span", { class: "hint", id: "param-" + p.name + "-hint" }, p.description));
  }
  const force = el("input", { type: "checkbox", id: "node-force", name: "force" });
  form.append(el("label", { for: "node-force" }, "Force"), el("span", {}, force, el("span", { class: "muted" }, " rerun even if cached")));
  const go = async (nodes, btn) => {
    const values = {};
    for (const p of d.parameters) {
      const v = form.elements[p.name] && form.elements[p.name].value;
      if (v !== undefined && v !== "") values[p.name] = v;
    }
    const body = { nodes };
    const params = paramsFor(d.id, values);
    if (Object.keys(params).length) body.params = params;
    if (force.checked) body.force = true;
    btn.disabled = true;
    try {
      const runId = await startRun(body);
      status.className = "msg";
      status.replaceChildren("Run ", el("a", { href: "/runs/" + encodeURIComponent(runId) }, runId), " started.");
    } catch (err) { showError(status, err); } finally { btn.disabled = false; }
  };
  const one = el("button", { type: "submit", class: "primary" }, "Run node");
  const down = el("button", { type: "button", title: "this node and everything downstream (" + d.id + "+)" }, "Run node + downstream");
  form.addEventListener("submit", (e) => { e.preventDefault(); go([d.id], one); });
  down.addEventListener("click", () => go([d.id + "+"], down));
  form.append(el("div", { class: "actions" }, one, down));
  return [form, status];
}

const portList = (ports) => ports.length
  ? el("ul", {}, ports.map((p) => el("li", {}, p.port === p.table ? "" : el("code", {}, p.port + " → "),
    el("a", { href: "/tables/" + encodeURIComponent(p.table) }, p.table))))
  : el("p", { class: "muted" }, "none");

/** What the planner decided, from the status of the node's latest run. */
function verdict(status) {
  if (status === "cached") return "Skipped (cached)";
  if (status === "skipped") return "Skipped";
  if (status === "running" || status === "pending") return "Running";
  return "Ran";
}

function render(d) {
  const close = el("button", { type: "button", "aria-label": "Close node panel", onclick: () => { closeNodePanel(); if (onClose) onClose(); } }, "✕");
  const trig = d.trigger && typeof d.trigger === "object" ? (d.trigger.expr ? "cron " + d.trigger.expr : d.trigger.kind) : (d.trigger || "manual");
  const runs = d.runs.length
    ? el("table", { class: "data" }, el("thead", {}, el("tr", {}, ["Run", "Status", "Started", "Duration", "Rows"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, d.runs.slice(0, 10).map((r) => el("tr", { title: r.reason || r.error || "" },
        el("td", {}, el("a", { href: "/runs/" + encodeURIComponent(r.runId), class: "mono" }, r.runId)), el("td", {}, badge(r.status)),
        el("td", { title: fmtTime(r.startedAt) }, fmtShortTime(r.startedAt)), el("td", { class: "num" }, fmtMs(r.durationMs)), el("td", { class: "num" }, r.rowsWritten ?? "")))))
    : el("p", { class: "muted" }, "Never run.");
  const lastErr = d.runs[0] && d.runs[0].error;
  const same = panel.dataset.node === d.id && kept.length > 0;
  if (!same) kept = triggerForm(d);
  panel.dataset.node = d.id;
  panel.replaceChildren(...[
    el("header", {}, el("h2", { id: "node-title" }, d.title), badge(d.status), close),
    el("dl", { class: "kv" }, el("dt", {}, "id"), el("dd", { class: "mono" }, d.id), el("dt", {}, "file"), el("dd", { class: "mono" }, d.file),
      el("dt", {}, "kind"), el("dd", {}, d.kind || ""), el("dt", {}, "trigger"), el("dd", {}, trig),
      d.stage ? [el("dt", {}, "stage"), el("dd", {}, d.stage)] : null),
    el("h3", {}, "Run"), ...kept,
    el("h3", {}, "Planner"), el("p", { class: "reason" }, d.reason && d.runs[0]
      ? [el("strong", {}, verdict(d.runs[0].status)), " — " + d.reason]
      : el("span", { class: "muted" }, "No decision yet.")),
    lastErr ? el("pre", { class: "msg err" }, lastErr) : null,
    el("h3", {}, "Inputs"), portList(d.inputs), el("h3", {}, "Outputs"), portList(d.outputs),
    el("h3", {}, "Parameters"), d.parameters.length
      ? el("dl", { class: "kv" }, d.parameters.map((p) => [el("dt", { class: "mono" }, p.name),
        el("dd", {}, p.type + (p.value !== undefined && p.value !== null ? " · graph.yml " + JSON.stringify(p.value) : "") +
          (p.default !== undefined ? " · default " + JSON.stringify(p.default) : "") + (p.secret ? " · secret" : "") + (p.description ? " — " + p.description : ""))]))
      : el("p", { class: "muted" }, "No declared parameters."),
    el("h3", {}, "Recent runs"), el("div", { class: "scroll" }, runs),
    el("h3", {}, "Latest logs"), d.logs.length ? el("div", { class: "logs" }, d.logs.map((l) => logLine(l))) : el("p", { class: "muted" }, "No logs."),
    el("h3", {}, "Code"), el("pre", { class: "code" }, el("code", {}, d.code)),
  ].flat(Infinity).filter(Boolean));
  if (!same) panel.focus({ preventScroll: true });
}
`;
