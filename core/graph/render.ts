/**
 * Renders a graph as Mermaid (default) or Graphviz DOT: nodes as boxes,
 * tables as cylinders between them.
 *
 * @module
 */

import type { Graph } from "./graph.ts";

/** Output formats of `runnel graph`. */
export type GraphFormat = "mermaid" | "dot";

function allTables(graph: Graph): string[] {
  const set = new Set<string>(graph.stores.map((s) => s.table));
  for (const w of graph.webhooks) set.add(w.table);
  for (const n of graph.nodes) {
    for (const t of Object.values(n.inputs)) set.add(t);
    for (const t of Object.values(n.outputs)) set.add(t);
  }
  return [...set].sort();
}

function edges(graph: Graph): [string, string][] {
  const out: [string, string][] = [];
  for (const w of graph.webhooks) out.push([`w_${w.id}`, `t_${w.table}`]);
  for (const n of graph.nodes) {
    for (const t of new Set(Object.values(n.inputs))) {
      out.push([`t_${t}`, `n_${n.id}`]);
    }
    for (const t of new Set(Object.values(n.outputs))) {
      out.push([`n_${n.id}`, `t_${t}`]);
    }
  }
  return out;
}

const safeId = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
const mermaidText = (s: string) => s.replace(/"/g, "#quot;");
const dotText = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

/** Renders the DAG as Mermaid flowchart text. */
export function toMermaid(graph: Graph): string {
  const lines = ["flowchart LR"];
  for (const n of graph.nodes) {
    lines.push(`  ${safeId(`n_${n.id}`)}["${mermaidText(n.title)}"]`);
  }
  for (const w of graph.webhooks) {
    lines.push(`  ${safeId(`w_${w.id}`)}>"webhook ${mermaidText(w.table)}"]`);
  }
  for (const t of allTables(graph)) {
    lines.push(`  ${safeId(`t_${t}`)}[("${mermaidText(t)}")]`);
  }
  for (const [a, b] of edges(graph)) {
    lines.push(`  ${safeId(a)} --> ${safeId(b)}`);
  }
  return lines.join("\n");
}

/** Renders the DAG as Graphviz DOT. */
export function toDot(graph: Graph): string {
  const lines = [
    `digraph "${dotText(graph.title)}" {`,
    "  rankdir=LR;",
    '  node [fontname="Helvetica"];',
  ];
  for (const n of graph.nodes) {
    lines.push(
      `  "n_${dotText(n.id)}" [label="${
        dotText(n.title)
      }", shape=box, style=rounded];`,
    );
  }
  for (const w of graph.webhooks) {
    lines.push(
      `  "w_${dotText(w.id)}" [label="webhook ${
        dotText(w.table)
      }", shape=cds];`,
    );
  }
  for (const t of allTables(graph)) {
    lines.push(`  "t_${dotText(t)}" [label="${dotText(t)}", shape=cylinder];`);
  }
  for (const [a, b] of edges(graph)) {
    lines.push(`  "${dotText(a)}" -> "${dotText(b)}";`);
  }
  lines.push("}");
  return lines.join("\n");
}
