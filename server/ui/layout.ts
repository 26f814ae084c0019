/**
 * Server-side DAG layout for the dashboard's Graph page. Nodes and tables are
 * both boxes; edges run node → table (outputs) and table → node (inputs).
 * Positions come from dagre, run once per graph content: the result is
 * cached under a key built from everything that affects the drawing, so a
 * 1,000-node graph is laid out once, not on every page load.
 *
 * @module
 */

import dagre from "npm:@dagrejs/dagre@^1";
import type { Graph } from "../../core/graph/graph.ts";
import { layered, type LayeredResult, type Placed } from "./_layered_layout.ts";

/** One box of the drawing: a node or a table. Coordinates are the top-left corner. */
export interface LayoutBox {
  /** `n:<node id>` or `t:<table name>`; unique in the drawing. */
  key: string;
  kind: "node" | "table";
  /** Node id or table name. */
  ref: string;
  label: string;
  /** Second line: the node file, or `webhook` for a webhook-fed table. */
  sub?: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One edge, as a polyline. */
export interface LayoutEdge {
  from: string;
  to: string;
  /** Flat list of coordinates: x0, y0, x1, y1, … */
  points: number[];
}

/** What `GET /ui/layout.json` answers. */
export interface Layout {
  /** Identifies the graph content; changes exactly when the drawing would. */
  key: string;
  title: string;
  width: number;
  height: number;
  boxes: LayoutBox[];
  edges: LayoutEdge[];
  /** Milliseconds the layout took when it was computed (0 for an empty graph). */
  layoutMs: number;
}

/** A box before it is placed. */
export interface BoxSpec {
  key: string;
  kind: "node" | "table";
  ref: string;
  label: string;
  sub?: string;
}

/** Boxes and edges of a graph, before positions. */
export interface LayoutInput {
  title: string;
  boxes: BoxSpec[];
  edges: [string, string][];
}

/** Boxes and edges of a graph, before positions. */
export function layoutInput(
  graph: Pick<Graph, "title" | "nodes" | "stores" | "webhooks">,
): LayoutInput {
  const boxes: BoxSpec[] = [];
  const tables = new Map<string, BoxSpec>();
  const table = (name: string): string => {
    const key = `t:${name}`;
    if (!tables.has(key)) {
      const box: BoxSpec = { key, kind: "table", ref: name, label: name };
      tables.set(key, box);
      boxes.push(box);
    }
    return key;
  };
  for (const s of graph.stores) table(s.table);
  for (const w of graph.webhooks) {
    tables.get(table(w.table))!.sub = "webhook";
  }
  const edges: [string, string][] = [];
  const seen = new Set<string>();
  const edge = (a: string, b: string) => {
    const k = `${a}\u0000${b}`;
    if (!seen.has(k)) {
      seen.add(k);
      edges.push([a, b]);
    }
  };
  for (const n of graph.nodes) {
    const key = `n:${n.id}`;
    boxes.push({
      key,
      kind: "node",
      ref: n.id,
      label: n.title,
      sub: n.relFile,
    });
    for (const t of Object.values(n.inputs)) edge(table(t), key);
    for (const t of Object.values(n.outputs)) edge(key, table(t));
  }
  return { title: graph.title, boxes, edges };
}

const CHAR_W = 7.2;

function size(b: BoxSpec): { width: number; height: number } {
  // The node's second line also shows its status (" · succeeded").
  const sub = (b.sub?.length ?? 0) + (b.kind === "node" ? 12 : 0);
  const text = Math.max(b.label.length * 1.08, sub * 0.92);
  if (b.kind === "node") {
    return {
      width: Math.round(Math.min(300, Math.max(140, text * CHAR_W + 28))),
      height: 46,
    };
  }
  return {
    width: Math.round(Math.min(240, Math.max(96, text * CHAR_W + 30))),
    height: b.sub ? 40 : 30,
  };
}

/**
 * Lays out a graph with dagre, left to right. Large graphs use dagre's
 * `tight-tree` ranker, which is much faster than network simplex at a
 * thousand boxes and still gives compact ranks.
 */
export function computeLayout(
  graph: Pick<Graph, "title" | "nodes" | "stores" | "webhooks">,
): Layout {
  const input = layoutInput(graph);
  return layoutOf(input, layoutKey(input));
}

/** The boxes and edges of {@link layoutInput}, placed; `key` is its {@link layoutKey}. */
export function layoutOf(input: LayoutInput, key: string): Layout {
  const t0 = performance.now();
  const sizes = new Map(input.boxes.map((b) => [b.key, size(b)]));
  const placed: LayeredResult = input.boxes.length === 0
    ? { nodes: new Map(), edges: new Map(), width: 0, height: 0 }
    : viaDagre(sizes, input.edges);
  const boxes: LayoutBox[] = input.boxes.map((b) => {
    const n = placed.nodes.get(b.key)!;
    const box: LayoutBox = {
      ...b,
      x: Math.round(n.x - n.width / 2),
      y: Math.round(n.y - n.height / 2),
      w: n.width,
      h: n.height,
    };
    if (box.sub === undefined) delete box.sub;
    return box;
  });
  const edges: LayoutEdge[] = input.edges.map(([from, to]) => ({
    from,
    to,
    points: (placed.edges.get(`${from}\u0000${to}`) ?? []).flatMap((p) => [
      Math.round(p.x),
      Math.round(p.y),
    ]),
  }));
  return {
    key,
    title: input.title,
    width: Math.ceil(placed.width),
    height: Math.ceil(placed.height),
    boxes,
    edges,
    layoutMs: input.boxes.length > 0 ? Math.round(performance.now() - t0) : 0,
  };
}

/** Graphs with more ranks than this skip dagre: its recursion would overflow the stack. */
export const DAGRE_MAX_DEPTH = 600;

/**
 * Places boxes with dagre; a graph too deep for dagre's recursive passes
 * (measured first, or found when the stack overflows) gets the plain
 * {@link layered} layout instead.
 */
function viaDagre(
  sizes: Map<string, { width: number; height: number }>,
  edgeList: [string, string][],
): LayeredResult {
  if (depthOf(sizes, edgeList) > DAGRE_MAX_DEPTH) {
    return layered(sizes, edgeList);
  }
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({
    rankdir: "LR",
    nodesep: 18,
    ranksep: 56,
    edgesep: 8,
    marginx: 24,
    marginy: 24,
    ranker: sizes.size > 300 ? "tight-tree" : "network-simplex",
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [k, s] of sizes) g.setNode(k, { ...s });
  for (const [a, b] of edgeList) g.setEdge(a, b);
  try {
    dagre.layout(g);
  } catch (err) {
    if (err instanceof RangeError) return layered(sizes, edgeList);
    throw err;
  }
  const nodes = new Map<string, Placed>();
  for (const k of sizes.keys()) {
    const n = g.node(k);
    nodes.set(k, { x: n.x, y: n.y, width: n.width, height: n.height });
  }
  const edges = new Map<string, { x: number; y: number }[]>();
  for (const [a, b] of edgeList) {
    edges.set(`${a}\u0000${b}`, g.edge(a, b)?.points ?? []);
  }
  const gg = g.graph();
  return { nodes, edges, width: gg.width ?? 0, height: gg.height ?? 0 };
}

/** Number of boxes on the longest path (iterative, any size). */
export function depthOf(
  sizes: Map<string, unknown>,
  edges: [string, string][],
): number {
  const succs = new Map<string, string[]>();
  const indeg = new Map<string, number>();
  for (const k of sizes.keys()) indeg.set(k, 0);
  for (const [a, b] of edges) {
    (succs.get(a) ?? succs.set(a, []).get(a)!).push(b);
    indeg.set(b, (indeg.get(b) ?? 0) + 1);
  }
  const depth = new Map<string, number>();
  const queue = [...indeg].filter(([, d]) => d === 0).map(([k]) => k);
  for (const k of queue) depth.set(k, 1);
  let most = queue.length ? 1 : 0;
  for (let i = 0; i < queue.length; i++) {
    const k = queue[i]!;
    for (const s of succs.get(k) ?? []) {
      const d = Math.max(depth.get(s) ?? 0, depth.get(k)! + 1);
      depth.set(s, d);
      most = Math.max(most, d);
      const left = indeg.get(s)! - 1;
      indeg.set(s, left);
      if (left === 0) queue.push(s);
    }
  }
  return most;
}

/** A short, stable hash of everything the drawing depends on. */
export function layoutKey(input: LayoutInput): string {
  const text = JSON.stringify(input);
  // FNV-1a, two lanes: plenty to tell graph versions apart in a small cache.
  let a = 0x811c9dc5, b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(36) + (b >>> 0).toString(36);
}
