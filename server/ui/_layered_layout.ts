/**
 * A plain layered layout, left to right, with no recursion anywhere: the
 * dashboard's fallback for graphs too deep for dagre (whose depth-first
 * passes overflow the call stack on chains of a few thousand boxes). Ranks
 * by longest path, orders each rank by a few barycenter sweeps, and draws
 * edges straight from the right side of one box to the left side of the
 * next.
 *
 * @module
 */

/** Where a box goes: center coordinates, as dagre gives them. */
export interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The result of {@link layered}. */
export interface LayeredResult {
  nodes: Map<string, Placed>;
  /** Edge points, keyed `from\u0000to`. */
  edges: Map<string, { x: number; y: number }[]>;
  width: number;
  height: number;
}

const NODESEP = 18, RANKSEP = 56, MARGIN = 24, SWEEPS = 4;

/** Lays out `sizes` (insertion order kept for ties) with `edges` between them. */
export function layered(
  sizes: Map<string, { width: number; height: number }>,
  edges: [string, string][],
): LayeredResult {
  const keys = [...sizes.keys()];
  const preds = new Map<string, string[]>(keys.map((k) => [k, []]));
  const succs = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const [a, b] of edges) {
    succs.get(a)?.push(b);
    preds.get(b)?.push(a);
  }
  // Longest-path ranks in topological order (Kahn); boxes left on a cycle
  // go one rank past the last.
  const indeg = new Map(keys.map((k) => [k, preds.get(k)!.length]));
  const rank = new Map<string, number>();
  const queue = keys.filter((k) => indeg.get(k) === 0);
  for (const k of queue) rank.set(k, 0);
  for (let i = 0; i < queue.length; i++) {
    const k = queue[i]!;
    for (const s of succs.get(k)!) {
      rank.set(s, Math.max(rank.get(s) ?? 0, rank.get(k)! + 1));
      const d = indeg.get(s)! - 1;
      indeg.set(s, d);
      if (d === 0) queue.push(s);
    }
  }
  const top = Math.max(0, ...rank.values());
  for (const k of keys) if (indeg.get(k)! > 0) rank.set(k, top + 1);
  const ranks: string[][] = [];
  for (const k of keys) (ranks[rank.get(k)!] ??= []).push(k);
  const layers = ranks.filter((r) => r !== undefined);

  // Barycenter sweeps: down by predecessors, up by successors.
  const pos = new Map<string, number>();
  const index = () => layers.forEach((l) => l.forEach((k, i) => pos.set(k, i)));
  index();
  for (let s = 0; s < SWEEPS; s++) {
    const down = s % 2 === 0;
    const order = down ? layers : [...layers].reverse();
    for (const layer of order) {
      const bary = new Map<string, number>();
      for (const k of layer) {
        const ns = (down ? preds : succs).get(k)!;
        bary.set(
          k,
          ns.length === 0
            ? pos.get(k)!
            : ns.reduce((sum, n) => sum + pos.get(n)!, 0) / ns.length,
        );
      }
      layer.sort((a, b) =>
        bary.get(a)! - bary.get(b)! || pos.get(a)! - pos.get(b)!
      );
      layer.forEach((k, i) => pos.set(k, i));
    }
  }

  // Coordinates: a column per rank, each column centered vertically.
  const nodes = new Map<string, Placed>();
  const heights = layers.map((l) =>
    l.reduce((h, k) => h + sizes.get(k)!.height, 0) + NODESEP * (l.length - 1)
  );
  const tallest = Math.max(0, ...heights);
  let x = MARGIN;
  layers.forEach((layer, r) => {
    const colW = Math.max(...layer.map((k) => sizes.get(k)!.width));
    let y = MARGIN + (tallest - heights[r]!) / 2;
    for (const k of layer) {
      const { width, height } = sizes.get(k)!;
      nodes.set(k, { x: x + colW / 2, y: y + height / 2, width, height });
      y += height + NODESEP;
    }
    x += colW + RANKSEP;
  });
  const lines = new Map<string, { x: number; y: number }[]>();
  for (const [a, b] of edges) {
    const p = nodes.get(a), q = nodes.get(b);
    if (!p || !q) continue;
    lines.set(`${a}\u0000${b}`, [
      { x: p.x + p.width / 2, y: p.y },
      { x: q.x - q.width / 2, y: q.y },
    ]);
  }
  return {
    nodes,
    edges: lines,
    width: keys.length ? x - RANKSEP + MARGIN : 0,
    height: keys.length ? tallest + 2 * MARGIN : 0,
  };
}
