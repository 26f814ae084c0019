/**
 * The loader seam: how a worker gets a node's code.
 *
 * {@link fileLoader} imports node files from disk by `file:` URL and grants
 * the worker read access to exactly the node's local module graph. A
 * `deno compile`d binary cannot import files that were not there at compile
 * time (denoland/deno#18327); a second loader that hands the worker
 * self-contained code plugs in behind this same interface.
 *
 * @module
 */

import type { NodeSpec } from "../graph/graph.ts";
import { NodeContractError } from "../errors.ts";
import { localModuleGraph } from "../plan/module_graph.ts";
import { toFileUrl } from "../path.ts";

/** What a loader hands to the host for one node. */
export interface LoadedNode {
  /** URL the worker passes to `import()`. */
  moduleUrl: string;
  /** Files the worker must be able to read to import the module. */
  readPaths: string[];
  /** Releases anything the loader created (object URLs, temp files). */
  dispose(): void;
}

/** Prepares node code for a worker. */
export interface NodeLoader {
  load(node: NodeSpec): Promise<LoadedNode>;
}

/** Loads node modules from disk by `file:` URL. */
export const fileLoader: NodeLoader = {
  async load(node: NodeSpec): Promise<LoadedNode> {
    const graph = await localModuleGraph(node.file);
    const missing = graph.missing[0];
    if (missing) {
      throw new NodeContractError(
        `Cannot load node "${node.title}": ${missing[0]} imports "${
          missing[1]
        }", which does not exist; fix the import path`,
      );
    }
    const external = graph.external.filter((s) => !s.startsWith("node:"));
    if (external.length > 0) {
      throw new NodeContractError(
        `Cannot load node "${node.title}": it imports ${
          external.map((s) => `"${s}"`).join(", ")
        }; nodes run sandboxed and may import only local files and node: built-ins`,
      );
    }
    return {
      moduleUrl: toFileUrl(node.file),
      readPaths: graph.files,
      dispose() {},
    };
  },
};
