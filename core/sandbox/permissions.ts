/**
 * A node's sandbox: the exact Deno permissions its worker gets, and its
 * heap limit. Two nodes share a warm worker only when their sandboxes are
 * equal after normalisation ({@link Sandbox.key}); permissions never widen
 * to let nodes share.
 *
 * The read grant of every node is the app's module files (the local module
 * graphs of all its TypeScript nodes), plus what graph.yml grants that
 * node. So ordinary nodes of one app compare equal, while `.runnel/` and
 * data files that graph.yml did not grant are never readable.
 *
 * @module
 */

import { relative, resolve, sep } from "node:path";
import type { Graph, NodeSpec } from "../graph/graph.ts";
import { NodeContractError } from "../errors.ts";
import type { LoadedNode, NodeLoader } from "./loader.ts";

/** Deno permissions of a node's worker (and of its sandbox process). */
export interface SandboxPermissions {
  /** Absolute paths, sorted, without duplicates. */
  read: string[];
  write: string[] | false;
  net: string[] | false;
  env: string[] | false;
}

/** Where a node runs: its permissions and heap limit. */
export interface Sandbox {
  permissions: SandboxPermissions;
  /** V8 heap limit of the sandbox process, in MiB; none: V8's own. */
  memoryMb?: number;
  /** Equal keys, equal sandboxes: the pool shares workers by it. */
  key: string;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
const orFalse = (xs: string[]): string[] | false =>
  xs.length > 0 ? sorted(xs) : false;

/**
 * Refuses module files outside the app folder or inside `.runnel/`: a
 * node's module files become readable by it, so importing `/etc/x` (or a
 * store file) must not make them so.
 */
export function checkModuleFiles(
  node: NodeSpec,
  loaded: LoadedNode,
  appDir: string,
): void {
  const root = resolve(appDir);
  for (const f of loaded.readPaths) {
    const rel = relative(root, resolve(f));
    const outside = rel === "" || rel.startsWith("..") || resolve(rel) === rel;
    if (outside || rel === ".runnel" || rel.startsWith(`.runnel${sep}`)) {
      throw new NodeContractError(
        `Cannot load node "${node.title}": it imports ${f}, which is ${
          outside ? "outside the app folder" : "inside .runnel/"
        }; nodes may import only module files of their app (move the file into the app, or read data through a table or a permissions: read grant)`,
      );
    }
  }
}

/** The module files of an app's TypeScript nodes. */
export interface AppFiles {
  /** Sorted. */
  readonly files: readonly string[];
  readonly set: ReadonlySet<string>;
  /** Each node's code as loaded to find them, by node id (its owner disposes them). */
  readonly loaded: ReadonlyMap<string, LoadedNode>;
}

/**
 * The sandbox of `node`, whose module files are `loaded`, in an app whose
 * module files are `app` (the same for every node of a pool: shared, not
 * copied, and left out of the key).
 */
export function sandboxOf(
  node: NodeSpec,
  loaded: LoadedNode,
  app: AppFiles,
): Sandbox {
  const extra = sorted([
    ...loaded.readPaths.filter((f) => !app.set.has(f)),
    ...node.permissions.read.filter((f) => !app.set.has(f)),
  ]);
  const permissions: SandboxPermissions = {
    read: extra.length === 0
      ? app.files as string[]
      : sorted([...app.files, ...extra]),
    write: orFalse(node.permissions.write),
    net: orFalse(node.permissions.net),
    env: orFalse(node.permissions.env),
  };
  return {
    permissions,
    memoryMb: node.memoryMb,
    key: JSON.stringify([
      extra,
      permissions.write,
      permissions.net,
      permissions.env,
      node.memoryMb ?? null,
    ]),
  };
}

/**
 * The module files of every TypeScript node of `graph` that loads (a node
 * that does not is reported when it runs), sorted.
 */
export async function appModuleFiles(
  graph: Graph,
  loader: NodeLoader,
): Promise<AppFiles> {
  const files = new Set<string>();
  const byNode = new Map<string, LoadedNode>();
  await Promise.all(
    graph.nodes.filter((n) => n.kind === "ts").map(async (n) => {
      let loaded: LoadedNode | undefined;
      try {
        loaded = await loader.load(n);
        checkModuleFiles(n, loaded, graph.dir);
      } catch {
        loaded?.dispose();
        return; // reported when the node runs
      }
      for (const f of loaded.readPaths) files.add(f);
      byNode.set(n.id, loaded);
    }),
  );
  return { files: sorted(files), set: files, loaded: byNode };
}
