/**
 * Cross-entry checks of graph.yml: unique ids and titles, one producer per
 * table, every input has a source, no cycles; and the topological order.
 *
 * @module
 */

import type { GraphIssue, SourceLocation } from "../errors.ts";
import type { NodeSpec, StoreTableSpec } from "./graph.ts";
import type { ParsedWebhook } from "./_load_functions.ts";
import { didYouMean } from "./_load_yaml.ts";

/** Result of wiring: nodes in run order and the producer of each table. */
export interface Wiring {
  nodes: NodeSpec[];
  producers: Map<string, string>;
  /** False when nodes read each other's outputs in a loop (reported). */
  acyclic: boolean;
}

/** Checks how nodes, webhooks and stores fit together; appends issues. */
export function wire(
  nodes: NodeSpec[],
  webhooks: ParsedWebhook[],
  stores: StoreTableSpec[],
  issues: GraphIssue[],
): Wiring {
  const add = (loc: SourceLocation, message: string) =>
    issues.push({ message, loc });
  checkUnique(nodes, webhooks, add);

  const webhookOf = new Map<string, ParsedWebhook>();
  for (const w of webhooks) {
    const first = webhookOf.get(w.spec.table);
    if (first === undefined) webhookOf.set(w.spec.table, w);
    else {
      add(
        w.tableLoc,
        `Webhook "${w.spec.id}": table "${w.spec.table}" already receives webhook "${first.spec.id}" (line ${first.tableLoc.line}): use one webhook per table`,
      );
    }
  }

  const producers = new Map<string, string>();
  const producerNode = new Map<string, NodeSpec>();
  for (const n of nodes) {
    for (const [port, table] of Object.entries(n.outputs)) {
      const at = portLoc(n, "outputs", port);
      const inPort = Object.keys(n.inputs).find((p) => n.inputs[p] === table);
      if (inPort !== undefined) {
        add(
          at,
          `Node "${n.title}" reads and writes table "${table}" (inputs.${inPort} on line ${
            portLoc(n, "inputs", inPort).line
          }): a node cannot read its own output; write to a new table`,
        );
      }
      const wh = webhookOf.get(table);
      const first = producerNode.get(table);
      if (wh !== undefined) {
        add(
          at,
          `Node "${n.title}" writes table "${table}", which webhook "${wh.spec.id}" (line ${wh.tableLoc.line}) already produces: a table has one producer; write to a different table`,
        );
      } else if (first !== undefined) {
        add(
          at,
          `Table "${table}" is written by two nodes, "${first.title}" (line ${
            portLoc(first, "outputs", portOf(first, table)).line
          }) and "${n.title}": a table has exactly one producer; write to a different table in one of them`,
        );
      } else {
        producers.set(table, n.id);
        producerNode.set(table, n);
      }
    }
  }

  const known = new Set([
    ...producers.keys(),
    ...webhookOf.keys(),
    ...stores.map((s) => s.table),
  ]);
  for (const n of nodes) {
    for (const [port, table] of Object.entries(n.inputs)) {
      if (known.has(table)) continue;
      const guess = didYouMean(table, [...known]);
      const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
      add(
        portLoc(n, "inputs", port),
        `Cannot run node "${n.title}": input table "${table}" is produced by no node and declared in no store${hint}: add it under stores: or wire it to a node's outputs`,
      );
    }
  }
  const ordered = order(nodes, producerNode, add);
  return { nodes: ordered.nodes, producers, acyclic: ordered.acyclic };
}

function portLoc(
  n: NodeSpec,
  side: "inputs" | "outputs",
  port: string,
): SourceLocation {
  return n.keyLocs[`${side}.${port}`] ?? n.keyLocs[side] ?? n.loc;
}

function portOf(n: NodeSpec, table: string): string {
  return Object.keys(n.outputs).find((p) => n.outputs[p] === table) ?? "";
}

function checkUnique(
  nodes: NodeSpec[],
  webhooks: ParsedWebhook[],
  add: (loc: SourceLocation, message: string) => void,
): void {
  const all = [
    ...nodes.map((n) => ({
      id: n.id,
      name: `node "${n.title}"`,
      loc: n.keyLocs.id ?? n.keyLocs.node_file ?? n.loc,
      explicit: n.keyLocs.id !== undefined,
    })),
    ...webhooks.map((w) => ({
      id: w.spec.id,
      name: `webhook "${w.spec.table}"`,
      loc: w.idLoc,
      explicit: w.explicitId,
    })),
  ].sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col);
  const byId = new Map<string, (typeof all)[number]>();
  for (const f of all) {
    const first = byId.get(f.id);
    if (first === undefined) {
      byId.set(f.id, f);
      continue;
    }
    const how = f.explicit ? "" : " (derived from the file name)";
    add(
      f.loc,
      `Duplicate function id "${f.id}"${how}: ${first.name} on line ${first.loc.line} already uses it; set a different id: on ${f.name}`,
    );
  }
  const byTitle = new Map<string, NodeSpec>();
  for (const n of nodes) {
    const first = byTitle.get(n.title);
    if (first === undefined) {
      byTitle.set(n.title, n);
      continue;
    }
    const at = n.keyLocs.title ?? n.keyLocs.node_file ?? n.loc;
    const firstAt = first.keyLocs.title ?? first.keyLocs.node_file ?? first.loc;
    add(
      at,
      `Duplicate title "${n.title}": the node on line ${firstAt.line} already has it; set a different title: on one of them`,
    );
  }
}

/**
 * Topological order, producers first, ties in file order. Reports each
 * cycle once, node by node.
 */
function order(
  nodes: NodeSpec[],
  producerNode: Map<string, NodeSpec>,
  add: (loc: SourceLocation, message: string) => void,
): { nodes: NodeSpec[]; acyclic: boolean } {
  const upstream = new Map<NodeSpec, Set<NodeSpec>>();
  for (const n of nodes) {
    const ups = new Set<NodeSpec>();
    for (const t of Object.values(n.inputs)) {
      const p = producerNode.get(t);
      if (p !== undefined && p !== n) ups.add(p);
    }
    upstream.set(n, ups);
  }
  // Kahn's algorithm; among ready nodes the earliest in the file goes first.
  const index = new Map(nodes.map((n, i) => [n, i]));
  const downstream = new Map<NodeSpec, NodeSpec[]>();
  const waiting = new Map<NodeSpec, number>();
  for (const n of nodes) {
    const ups = upstream.get(n)!;
    waiting.set(n, ups.size);
    for (const u of ups) {
      const list = downstream.get(u);
      if (list) list.push(n);
      else downstream.set(u, [n]);
    }
  }
  const ready = new MinHeap<NodeSpec>((a, b) => index.get(a)! - index.get(b)!);
  for (const n of nodes) if (waiting.get(n) === 0) ready.push(n);
  const out: NodeSpec[] = [];
  for (let n = ready.pop(); n !== undefined; n = ready.pop()) {
    out.push(n);
    for (const d of downstream.get(n) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  const placed = new Set(out);
  const remaining = nodes.filter((n) => !placed.has(n));
  const reported = new Set<NodeSpec>();
  for (const start of remaining) {
    if (reported.has(start)) continue;
    const cycle = findCycle(start, remaining, upstream);
    if (cycle === undefined) continue;
    cycle.forEach((n) => reported.add(n));
    // The closing edge: `start` reads a table the last node of the cycle writes.
    const last = cycle[cycle.length - 1] as NodeSpec;
    const port = Object.keys(start.inputs).find((p) =>
      producerNode.get(start.inputs[p] ?? "") === last
    );
    const path = [...cycle, start].map((n) => `"${n.title}"`).join(" → ");
    add(
      port === undefined ? start.loc : portLoc(start, "inputs", port),
      `Cycle in the graph: ${path}: each node reads a table written by the one before it, so none can run first; break the loop by removing one of these inputs`,
    );
  }
  return { nodes: [...out, ...remaining], acyclic: remaining.length === 0 };
}

/** Shortest path start → … → (back to start) along data flow, as the list of nodes before returning. */
function findCycle(
  start: NodeSpec,
  pool: NodeSpec[],
  upstream: Map<NodeSpec, Set<NodeSpec>>,
): NodeSpec[] | undefined {
  const prev = new Map<NodeSpec, NodeSpec>();
  const queue: NodeSpec[] = [start];
  while (queue.length > 0) {
    const cur = queue.shift() as NodeSpec;
    for (const n of pool) {
      if (!(upstream.get(n)?.has(cur) ?? false)) continue;
      if (n === start) {
        const path = [cur];
        while (path[0] !== start) {
          path.unshift(prev.get(path[0] as NodeSpec) as NodeSpec);
        }
        return path;
      }
      if (!prev.has(n)) {
        prev.set(n, cur);
        queue.push(n);
      }
    }
  }
  return undefined;
}

/** A binary min-heap. */
class MinHeap<T> {
  readonly #items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}

  push(item: T): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
