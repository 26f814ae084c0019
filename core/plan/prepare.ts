/**
 * What a run and a plan do before anything executes: select the nodes,
 * resolve their parameters and hash every cache-key component that does not
 * depend on inputs.
 *
 * @module
 */

import { relative } from "node:path";
import { NodeContractError } from "../errors.ts";
import type { Graph, NodeSpec } from "../graph/graph.ts";
import { isInside } from "../path.ts";
import type { CliParam } from "../params/params.ts";
import { normalizedSqlForCache } from "../sql/node.ts";
import { FileHasher, staticComponents } from "./cache_key.ts";
import { type NodeParams, resolveRunParams } from "./run_params.ts";
import { selectNodes } from "./selection.ts";

/** What to select, and the parameters given on the command line or by the API. */
export interface SelectionOptions {
  /** Node selectors: ids, titles or files, with dbt-style `a+` / `+a`. Empty: all. */
  selection?: string[];
  /** Every node of this stage (with the selection, if any). */
  stage?: string;
  params?: CliParam[];
  /**
   * Files no node may be granted (the store's own, `Store.localFiles`):
   * a node whose read or write permissions reach one is refused before
   * anything is hashed or run.
   */
  protectedFiles?: readonly string[];
}

/** The selected nodes with their resolved parameters and input-independent key components. */
export interface PreparedSelection {
  nodes: NodeSpec[];
  params: Map<string, NodeParams>;
  statics: Map<string, Record<string, string>>;
}

/**
 * Selects nodes, resolves their parameters and hashes everything that does
 * not depend on inputs — the work a run and a plan share. Reads each file once.
 */
export async function prepareSelection(
  graph: Graph,
  opts: SelectionOptions,
): Promise<PreparedSelection> {
  const nodes = selectNodes(graph, opts.selection ?? [], { stage: opts.stage });
  checkGrants(graph, nodes, opts.protectedFiles ?? []);
  const hasher = new FileHasher();
  const params = await resolveRunParams(
    graph.nodes,
    nodes,
    opts.params ?? [],
    (n) => hasher.text(n.file),
  );
  const statics = await computeStatics(graph, nodes, params, hasher);
  return { nodes, params, statics };
}

/** Cache-key components that do not depend on inputs, for every selected node. */
export async function computeStatics(
  graph: Graph,
  nodes: NodeSpec[],
  params: Map<string, NodeParams>,
  hasher: FileHasher = new FileHasher(),
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const node of nodes) {
    let normalizedSql: string | undefined;
    if (node.kind === "sql") {
      try {
        normalizedSql = normalizedSqlForCache(
          await hasher.text(node.file),
          node.relFile,
        );
      } catch (err) {
        normalizedSql = `invalid: ${(err as Error).message}`;
      }
    }
    out.set(
      node.id,
      await staticComponents({
        node,
        dir: graph.dir,
        params: params.get(node.id)?.coerced ?? {},
        normalizedSql,
        hasher,
      }),
    );
  }
  return out;
}

/** Refuses nodes whose read or write grants reach one of `files`. */
function checkGrants(
  graph: Graph,
  nodes: NodeSpec[],
  files: readonly string[],
): void {
  const problems: string[] = [];
  for (const node of nodes) {
    for (const kind of ["read", "write"] as const) {
      for (const grant of node.permissions[kind]) {
        const hit = files.find((f) => isInside(grant, f));
        if (hit === undefined) continue;
        problems.push(
          `Cannot run node "${node.title}": its permissions.${kind} entry "${
            relative(graph.dir, grant) || "."
          }" includes the store file ${hit}, which nodes reach only through their tables; grant the files or folders the node needs instead, or keep the store elsewhere (--store)`,
        );
      }
    }
  }
  if (problems.length > 0) throw new NodeContractError(problems.join("\n"));
}
