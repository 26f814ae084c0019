/**
 * `runnel plan`: what a run would do, node by node, without running
 * anything. A node whose only possible change is the output of an upstream
 * node that will rerun is `maybe`: early cutoff decides at run time.
 *
 * @module
 */

import { type Components, inputComponents } from "./cache_key.ts";
import { type Graph, inputTables } from "../graph/graph.ts";
import type { CliParam } from "../params/params.ts";
import { decide } from "./planner.ts";
import { prepareSelection } from "./prepare.ts";
import type { Store } from "../../stores/store.ts";

/** One node of a plan. */
export interface PlanEntry {
  id: string;
  title: string;
  file: string;
  action: "run" | "skip" | "maybe";
  reasons: string[];
}

/** Options of {@link planGraph}. */
export interface PlanOptions {
  selection?: string[];
  stage?: string;
  params?: CliParam[];
  force?: boolean;
}

/** Computes the plan of a run without executing or writing anything. */
export async function planGraph(
  graph: Graph,
  store: Store,
  opts: PlanOptions = {},
): Promise<PlanEntry[]> {
  const { nodes, statics } = await prepareSelection(graph, {
    ...opts,
    protectedFiles: store.localFiles,
  });
  const prev = await store.getNodeCache(nodes.map((n) => n.id));
  const versions = new Map<string, string>();
  for (const t of await store.listTables()) {
    versions.set(t.name, t.contentVersion);
  }
  const actions = new Map<string, PlanEntry>();
  const out: PlanEntry[] = [];
  for (const node of nodes) {
    const known: Record<string, string | undefined> = {};
    const pendingUpstream: string[] = [];
    for (const t of inputTables(node)) {
      const pid = graph.producers.get(t);
      const up = pid === undefined ? undefined : actions.get(pid);
      if (up && up.action !== "skip") {
        pendingUpstream.push(up.title);
        // Assume unchanged for now: early cutoff may keep it so.
        known[t] = prev.get(node.id)?.components[`input:${t}`];
      } else known[t] = versions.get(t);
    }
    const components: Components = {
      ...statics.get(node.id)!,
      ...inputComponents(inputTables(node), known),
    };
    const d = decide(components, prev.get(node.id), {
      force: opts.force === true,
      volatile: node.permissions.net.length > 0 && node.cache !== true,
      missingOutputs: Object.values(node.outputs).filter((t) =>
        !versions.has(t) && !actions.has(graph.producers.get(t) ?? "")
      ),
    });
    const entry: PlanEntry = {
      id: node.id,
      title: node.title,
      file: node.relFile,
      action: d.action,
      reasons: d.reasons,
    };
    if (d.action === "skip" && pendingUpstream.length > 0) {
      entry.action = "maybe";
      entry.reasons = [
        `runs only if ${
          [...new Set(pendingUpstream)].map((t) => `"${t}"`).join(" or ")
        } writes different content (otherwise cached)`,
      ];
    }
    actions.set(node.id, entry);
    out.push(entry);
  }
  return out;
}
