/**
 * Node selection for `runnel run` and friends: plain names, dbt-style
 * `a+` / `+a` / `+a+` graph operators and whole stages, plus the
 * transitive upstream / downstream walks they rest on.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import {
  findNode,
  type Graph,
  inputTables,
  type NodeSpec,
  outputTables,
} from "../graph/graph.ts";
import { didYouMean } from "../graph/mod.ts";

/** Options of {@link selectNodes}. */
export interface SelectOptions {
  /** Also select every node of this stage. */
  stage?: string;
}

/**
 * Picks the nodes that `selectors` and `opts.stage` name, in graph
 * (topological) order. With neither, every node.
 *
 * A selector is a node id, title, file (relative path) or file without
 * its extension. A trailing `+` adds everything downstream of the node
 * (`a+`), a leading one everything upstream (`+a`), both add both
 * (`+a+`). A selector that names a node exactly as written (a title
 * ending in `+`, say) is taken literally. `opts.stage` adds every node of
 * that stage; the result is the union.
 *
 * @throws {UsageError} for a selector that names no node, or an unknown stage.
 */
export function selectNodes(
  graph: Graph,
  selectors: string[],
  opts: SelectOptions = {},
): NodeSpec[] {
  if (selectors.length === 0 && opts.stage === undefined) {
    return [...graph.nodes];
  }
  const wanted = new Set<string>();
  if (opts.stage !== undefined) {
    for (const id of stageNodes(graph, opts.stage)) wanted.add(id);
  }
  const unknown: string[] = [];
  for (const selector of selectors) {
    const parsed = parseSelector(graph, selector);
    if (parsed === undefined) {
      unknown.push(selector);
      continue;
    }
    const { node, up, down } = parsed;
    wanted.add(node.id);
    if (up) upstreamClosure(graph, [node.id]).forEach((id) => wanted.add(id));
    if (down) downstreamOf(graph, [node.id]).forEach((id) => wanted.add(id));
  }
  if (unknown.length > 0) throw unknownNodes(graph, unknown);
  return graph.nodes.filter((n) => wanted.has(n.id));
}

/**
 * Ids of every node downstream of `ids` (nodes that read, directly or
 * through other nodes, a table those nodes write). The given ids are not
 * included unless one is downstream of another. Unknown ids are ignored.
 */
export function downstreamOf(graph: Graph, ids: Iterable<string>): Set<string> {
  const readers = new Map<string, NodeSpec[]>();
  for (const n of graph.nodes) {
    for (const t of inputTables(n)) {
      const list = readers.get(t) ?? [];
      list.push(n);
      readers.set(t, list);
    }
  }
  return walk(
    graph,
    ids,
    (n) =>
      outputTables(n).flatMap((t) => (readers.get(t) ?? []).map((r) => r.id)),
  );
}

/**
 * Ids of `ids` and every node upstream of them (nodes whose tables they
 * read, directly or through other nodes). Unknown ids are ignored.
 */
export function upstreamClosure(
  graph: Graph,
  ids: Iterable<string>,
): Set<string> {
  const start = [...ids].filter((id) => graph.nodes.some((n) => n.id === id));
  const ups = walk(graph, start, (n) =>
    inputTables(n).flatMap((t) => {
      const p = graph.producers.get(t);
      return p === undefined || p === n.id ? [] : [p];
    }));
  return new Set([...start, ...ups]);
}

/** Ids reachable from `ids` through `next`, not counting the start unless reached again. */
function walk(
  graph: Graph,
  ids: Iterable<string>,
  next: (n: NodeSpec) => string[],
): Set<string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const queue = [...ids];
  while (queue.length > 0) {
    const node = byId.get(queue.shift() as string);
    if (node === undefined) continue;
    for (const id of next(node)) {
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(id);
    }
  }
  return seen;
}

/** `+`? name `+`? */
const SELECTOR = /^(\+?)(.*?)(\+?)$/s;

interface Selector {
  node: NodeSpec;
  up: boolean;
  down: boolean;
}

/**
 * Reads `+`? name `+`?. The name as written wins; then the reading that
 * strips the most `+` signs, so `+C++` is upstream of a node titled `C++`.
 */
function parseSelector(graph: Graph, text: string): Selector | undefined {
  const t = text.trim();
  const lead = t.startsWith("+");
  const trail = t.endsWith("+") && t.length > 1;
  const readings: [boolean, boolean][] = [
    [false, false],
    [lead, trail],
    [lead, false],
    [false, trail],
  ];
  for (const [up, down] of readings) {
    const name = t.slice(up ? 1 : 0, down ? -1 : undefined).trim();
    const node = name === "" ? undefined : findNode(graph, name);
    if (node !== undefined) return { node, up, down };
  }
  return undefined;
}

function stageNodes(graph: Graph, name: string): string[] {
  const stage = graph.stages.find((s) => s.name === name);
  if (stage !== undefined) return stage.nodes;
  const names = graph.stages.map((s) => s.name);
  const guess = didYouMean(name, names);
  const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
  const known = names.length === 0
    ? "it declares no stages (add stages: or stage: keys to group nodes)"
    : `stages: ${names.map((n) => `"${n}"`).join(", ")}`;
  return fail(`No stage named "${name}" in ${graph.file}${hint}: ${known}`);
}

function unknownNodes(graph: Graph, unknown: string[]): UsageError {
  const candidates = graph.nodes.flatMap((n) => [n.id, n.title]);
  const guesses: [string, string][] = [];
  for (const u of unknown) {
    const m = SELECTOR.exec(u.trim());
    const bare = m?.[2]?.trim() ?? "";
    const guess = bare === "" ? undefined : didYouMean(bare, candidates);
    if (guess !== undefined) {
      guesses.push([u, `${m?.[1] ?? ""}${guess}${m?.[3] ?? ""}`]);
    }
  }
  const hint = guesses.length === 0
    ? ""
    : unknown.length === 1
    ? ` (did you mean "${guesses[0]?.[1]}"?)`
    : ` (did you mean ${
      guesses.map(([u, g]) => `"${g}" for "${u}"`).join(", ")
    }?)`;
  const nodes = graph.nodes.length === 0
    ? "the graph has none"
    : graph.nodes.map((n) => `${n.id} ("${n.title}")`).join(", ");
  return new UsageError(
    `No node named ${
      unknown.map((u) => `"${u}"`).join(", ")
    } in ${graph.file}${hint}: use a node id, title or file (nodes: ${nodes})`,
  );
}

function fail(message: string): never {
  throw new UsageError(message);
}
