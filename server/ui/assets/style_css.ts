/**
 * The dashboard's stylesheet, shipped as a string so it lives in the module
 * graph (works from a URL and in a compiled binary). Light and dark themes
 * follow `prefers-color-scheme`.
 *
 * @module
 */

/** `/ui/style.css`. */
export const STYLE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f7f8fa; --panel: #ffffff; --fg: #1d2330; --muted: #5b6475;
  --line: #d9dde5; --accent: #2459d6; --accent-fg: #ffffff; --edge: #9aa3b4;
  --ok: #1f8a4c; --ok-bg: #e3f5ea; --cached: #2f6fb5; --cached-bg: #e2eefb;
  --fail: #c2352b; --fail-bg: #fbe6e4; --run: #b36b00; --run-bg: #fff1d6;
  --skip: #6f6a80; --skip-bg: #eeedf3; --never: #8a93a3; --never-bg: #ffffff;
  --table-bg: #f1f3f7; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171d; --panel: #1c2029; --fg: #e6e9ef; --muted: #a0a8b8;
    --line: #333a48; --accent: #6d9bff; --accent-fg: #0d1320; --edge: #5d6678;
    --ok: #5cd08d; --ok-bg: #173526; --cached: #79b0f0; --cached-bg: #172b42;
    --fail: #ff8a80; --fail-bg: #43201e; --run: #ffc061; --run-bg: #3e2e12;
    --skip: #b7b1c9; --skip-bg: #2a2835; --never: #8d95a6; --never-bg: #1c2029;
    --table-bg: #222734;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; display: flex; flex-direction: column; }
a { color: var(--accent); }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
.skip-link { position: absolute; left: -999px; }
.skip-link:focus { left: 8px; top: 8px; z-index: 10; background: var(--panel); padding: 4px 8px; }
header.top { display: flex; align-items: center; gap: 18px; padding: 8px 16px; background: var(--panel); border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top nav { display: flex; gap: 4px; }
header.top nav a { color: var(--fg); text-decoration: none; padding: 5px 10px; border-radius: 6px; }
header.top nav a[aria-current="page"] { background: var(--table-bg); font-weight: 600; }
header.top nav a:hover { background: var(--table-bg); }
header.top .spacer { flex: 1; }
#live { font-size: 12px; color: var(--muted); }
main { flex: 1; min-height: 0; display: flex; flex-direction: column; }
main.page { padding: 16px 20px; overflow: auto; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 15px; margin: 18px 0 8px; }
h3 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
button, .btn { font: inherit; border: 1px solid var(--line); background: var(--panel); color: var(--fg); padding: 5px 12px; border-radius: 6px; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
button.danger { color: var(--fail); border-color: var(--fail); }
button.danger:hover { background: var(--fail); color: #fff; }
button:disabled { opacity: .55; cursor: default; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
input, select { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 5px; padding: 4px 6px; }
table.data { border-collapse: collapse; width: 100%; background: var(--panel); }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; white-space: nowrap; max-width: 420px; overflow: hidden; text-overflow: ellipsis; }
table.data th { font-size: 12px; color: var(--muted); position: sticky; top: 0; background: var(--panel); }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
.muted { color: var(--muted); }
.error-box { border: 1px solid var(--fail); background: var(--fail-bg); color: var(--fg); border-radius: 8px; padding: 10px 14px; margin: 12px 16px; }
.error-box h2 { margin-top: 0; color: var(--fail); }
.error-box ul { margin: 0; padding-left: 18px; }
.error-box .loc { font-family: var(--mono); font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; border: 1px solid currentColor; white-space: nowrap; }
.st-succeeded { color: var(--ok); } .st-cached { color: var(--cached); } .st-failed { color: var(--fail); }
.st-running, .st-pending { color: var(--run); } .st-skipped { color: var(--skip); } .st-never { color: var(--never); }
/* graph page */
.graph-wrap { position: relative; flex: 1; min-height: 0; display: flex; }
.canvas { position: relative; flex: 1; min-width: 0; display: flex; flex-direction: column; }
.canvas .empty { position: absolute; top: 40%; width: 100%; }
.graph-tools { position: absolute; top: 10px; left: 12px; display: flex; gap: 6px; z-index: 2; align-items: center; flex-wrap: wrap; right: 12px; pointer-events: none; }
.graph-tools > * { pointer-events: auto; }
.legend { display: flex; gap: 10px; font-size: 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 4px; background: currentColor; vertical-align: -1px; }
svg.dag { flex: 1; width: 100%; height: 100%; cursor: grab; user-select: none; touch-action: none; display: block; }
svg.dag.dragging { cursor: grabbing; }
svg.dag .edge { fill: none; stroke: var(--edge); stroke-width: 1.4; }
svg.dag .arrowhead { fill: var(--edge); }
svg.dag .box rect { stroke-width: 1.6; }
svg.dag .node { cursor: pointer; }
svg.dag .node rect { fill: var(--never-bg); stroke: var(--never); }
svg.dag .node.st-succeeded rect { fill: var(--ok-bg); stroke: var(--ok); }
svg.dag .node.st-cached rect { fill: var(--cached-bg); stroke: var(--cached); }
svg.dag .node.st-failed rect { fill: var(--fail-bg); stroke: var(--fail); }
svg.dag .node.st-running rect, svg.dag .node.st-pending rect { fill: var(--run-bg); stroke: var(--run); stroke-dasharray: 5 3; }
svg.dag .node.st-skipped rect { fill: var(--skip-bg); stroke: var(--skip); }
svg.dag .node.selected rect { stroke-width: 3.2; }
svg.dag .node:focus { outline: none; }
svg.dag .node:focus-visible rect { stroke: var(--accent); stroke-width: 3; }
svg.dag .table rect { fill: var(--table-bg); stroke: var(--line); }
svg.dag text { fill: var(--fg); font-size: 13px; pointer-events: none; }
svg.dag text.sub { fill: var(--muted); font-size: 11px; font-family: var(--mono); }
svg.dag text.st { font-size: 11px; }
svg.dag.lod-low text, svg.dag.culled .box:not(.vis) text { display: none; }
svg.dag.lod-low .edge, svg.dag.lod-low rect { vector-effect: non-scaling-stroke; }
svg.dag.lod-low .edge { marker-end: none; }
svg.dag.lod-low .node.st-succeeded rect { fill: var(--ok); } svg.dag.lod-low .node.st-cached rect { fill: var(--cached); }
svg.dag.lod-low .node.st-failed rect { fill: var(--fail); } svg.dag.lod-low .node.st-running rect { fill: var(--run); }
svg.dag.lod-low .node.st-skipped rect { fill: var(--skip); } svg.dag.lod-low .node.st-never rect { fill: var(--never-bg); }
.empty { margin: 40px auto; color: var(--muted); text-align: center; }
/* side panel */
aside.panel { width: min(480px, 44vw); border-left: 1px solid var(--line); background: var(--panel); overflow: auto; padding: 14px 16px; }
aside.panel[hidden] { display: none; }
aside.panel header { display: flex; align-items: start; gap: 8px; }
aside.panel header h2 { margin: 0; flex: 1; font-size: 17px; }
aside.panel pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow: auto; max-height: 320px; margin: 0; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
form.trigger { display: grid; grid-template-columns: max-content 1fr; gap: 6px 10px; align-items: center; }
form.trigger .actions { grid-column: 1 / -1; display: flex; gap: 8px; flex-wrap: wrap; }
form.trigger .hint { grid-column: 2; font-size: 12px; color: var(--muted); margin-top: -4px; }
.logs { font-family: var(--mono); font-size: 12px; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; max-height: 360px; overflow: auto; white-space: pre-wrap; }
.logs .lv-warn { color: var(--run); } .logs .lv-error { color: var(--fail); } .logs .lv-debug { color: var(--muted); }
.logs .who { color: var(--muted); }
.msg { margin: 8px 0; font-size: 13px; }
.msg.err { color: var(--fail); }
/* gantt */
.gantt { display: grid; grid-template-columns: minmax(140px, max-content) 1fr max-content; gap: 4px 10px; align-items: center; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.gantt .track { position: relative; height: 18px; background: var(--bg); border-radius: 4px; }
.gantt .bar { position: absolute; top: 2px; bottom: 2px; min-width: 3px; border-radius: 3px; background: currentColor; }
.gantt .axis { background: none; height: 16px; font-size: 11px; color: var(--muted); border-bottom: 1px solid var(--line); border-radius: 0; }
.gantt .tick { white-space: nowrap; position: absolute; top: 0; transform: translateX(-50%); font-variant-numeric: tabular-nums; }
.gantt .tick:first-child { transform: none; } .gantt .tick.end { transform: translateX(-100%); }
.gantt .dur { font-variant-numeric: tabular-nums; font-size: 12px; color: var(--muted); }
.pager { display: flex; gap: 8px; align-items: center; margin: 10px 0; flex-wrap: wrap; }
button.linkish { border: 0; background: none; padding: 0; color: var(--muted); font-weight: 600; font-size: 12px; }
button.linkish:hover { color: var(--accent); }
.toolbar { display: flex; gap: 8px; align-items: center; margin-bottom: 12px; flex-wrap: wrap; }
`;
