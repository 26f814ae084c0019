/**
 * Checks that stages can commit: in the graph whose vertices are stages
 * (and nodes without a stage, each its own), no two vertices may wait on
 * each other, or neither could publish first.
 *
 * @module
 */

import type { GraphIssue, SourceLocation } from "../errors.ts";
import type { NodeSpec } from "./graph.ts";

/** Why one vertex depends on another: `reader` reads `table`, which `writer` writes. */
interface Because {
  reader: NodeSpec;
  table: string;
  writer: NodeSpec;
}

/** A stage name, or a node standing alone. */
type Unit = string;

const unitOf = (n: NodeSpec): Unit =>
  n.stage !== undefined ? `stage:${n.stage}` : `node:${n.id}`;

/**
 * Reports each cycle between stages once, naming the stages and the reads
 * that make each edge. `nodes` must be in topological order and acyclic;
 * `memberLoc` says where each staged node's stage is declared.
 */
export function checkStageCycles(
  nodes: NodeSpec[],
  memberLoc: Map<NodeSpec, SourceLocation>,
  issues: GraphIssue[],
): void {
  const writerOf = new Map<string, NodeSpec>();
  for (const n of nodes) {
    for (const t of Object.values(n.outputs)) {
      if (!writerOf.has(t)) writerOf.set(t, n);
    }
  }
  // from → to → the first read (in run order) that makes the edge.
  if (!nodes.some((n) => n.stage !== undefined)) return; // nodes alone are acyclic
  const edges = new Map<Unit, Map<Unit, Because>>();
  const unitSet = new Set<Unit>();
  for (const reader of nodes) {
    const to = unitOf(reader);
    unitSet.add(to);
    for (const table of Object.values(reader.inputs)) {
      const writer = writerOf.get(table);
      if (writer === undefined || unitOf(writer) === to) continue;
      const out = edges.get(unitOf(writer)) ?? new Map<Unit, Because>();
      edges.set(unitOf(writer), out);
      if (!out.has(to)) out.set(to, { reader, table, writer });
    }
  }
  // Only units left over by a linear topological pass can lie on a cycle.
  const indegree = new Map<Unit, number>([...unitSet].map((u) => [u, 0]));
  for (const outs of edges.values()) {
    for (const to of outs.keys()) indegree.set(to, indegree.get(to)! + 1);
  }
  const queue = [...unitSet].filter((u) => indegree.get(u) === 0);
  for (let i = 0; i < queue.length; i++) {
    for (const to of edges.get(queue[i]!)?.keys() ?? []) {
      const left = indegree.get(to)! - 1;
      indegree.set(to, left);
      if (left === 0) queue.push(to);
    }
  }
  const resolved = new Set(queue);
  const units = [...unitSet].filter((u) => !resolved.has(u));
  const reported = new Set<Unit>();
  for (const start of units) {
    if (reported.has(start)) continue;
    const cycle = findCycle(start, edges);
    if (cycle === undefined) continue;
    cycle.forEach((u) => reported.add(u));
    const steps = cycle.map((from, i) =>
      edges.get(from)?.get(cycle[(i + 1) % cycle.length] as Unit) as Because
    );
    const closing = steps[steps.length - 1] as Because;
    issues.push({
      message: cycleMessage(cycle, steps),
      loc: memberLoc.get(closing.reader) ?? closing.reader.loc,
    });
  }
}

/** Shortest cycle through `start`, as its vertices from `start` on. */
function findCycle(
  start: Unit,
  edges: Map<Unit, Map<Unit, Because>>,
): Unit[] | undefined {
  const prev = new Map<Unit, Unit>();
  const queue: Unit[] = [start];
  while (queue.length > 0) {
    const cur = queue.shift() as Unit;
    for (const next of edges.get(cur)?.keys() ?? []) {
      if (next === start) {
        const path = [cur];
        while (path[0] !== start) {
          path.unshift(prev.get(path[0] as Unit) as Unit);
        }
        return path;
      }
      if (!prev.has(next)) {
        prev.set(next, cur);
        queue.push(next);
      }
    }
  }
  return undefined;
}

function cycleMessage(cycle: Unit[], steps: Because[]): string {
  const names = cycle.map((u) =>
    u.startsWith("stage:")
      ? `stage "${u.slice(6)}"`
      : `node "${titleOf(u, steps)}"`
  );
  const who = cycle.every((u) => u.startsWith("stage:"))
    ? `Stages ${andList(cycle.map((u) => `"${u.slice(6)}"`))}`
    : capitalize(andList(names));
  const mentioned = new Set<NodeSpec>();
  const name = (n: NodeSpec) => {
    if (mentioned.has(n)) return `"${n.title}"`;
    mentioned.add(n);
    const where = n.stage !== undefined ? `stage "${n.stage}"` : "no stage";
    return `"${n.title}" (${where})`;
  };
  const because = steps.map((s) => {
    const reader = name(s.reader);
    return `${reader} reads "${s.table}" written by ${name(s.writer)}`;
  });
  const why = `${because.slice(0, -1).join(", ")}, and ${
    because[because.length - 1]
  }`;
  return `${who} depend on each other: ${why}; move a node to another stage`;
}

function titleOf(unit: Unit, steps: Because[]): string {
  const id = unit.slice(5);
  for (const s of steps) {
    if (s.reader.id === id && s.reader.stage === undefined) {
      return s.reader.title;
    }
    if (s.writer.id === id && s.writer.stage === undefined) {
      return s.writer.title;
    }
  }
  return id;
}

function andList(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
