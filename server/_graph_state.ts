/**
 * The graph the dev server serves: reloaded from graph.yml on demand (the
 * watcher calls it), never throwing. When graph.yml is invalid the error is
 * kept next to the last valid graph, which webhooks keep using.
 *
 * @module
 */

import { GraphError } from "../core/errors.ts";
import type { Graph } from "../core/graph/graph.ts";
import { loadGraph } from "../core/graph/load.ts";

/** Result of one reload. */
export type ReloadResult =
  | { valid: true; graph: Graph }
  | { valid: false; error: GraphError };

/** Wraps any loader failure as a GraphError pointing at graph.yml. */
export function asGraphError(err: unknown, file: string): GraphError {
  if (err instanceof GraphError) return err;
  return new GraphError([{
    message: (err as Error)?.message ?? String(err),
    loc: { file, line: 1, col: 1 },
  }]);
}

/** Holds the current graph or error; see the module doc. */
export class GraphState {
  readonly dir: string;
  #graph: Graph | undefined;
  #lastGood: Graph | undefined;
  #error: GraphError | undefined;
  #loading: Promise<ReloadResult> | undefined;
  #again = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The current graph; undefined while graph.yml is invalid. */
  get graph(): Graph | undefined {
    return this.#graph;
  }

  /** The last graph that loaded, even if graph.yml is invalid now. */
  get lastGood(): Graph | undefined {
    return this.#lastGood;
  }

  /** Why graph.yml is invalid, if it is. */
  get error(): GraphError | undefined {
    return this.#error;
  }

  /** Reloads graph.yml. Concurrent calls share one load (plus one more if asked during it). */
  reload(): Promise<ReloadResult> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      let result: ReloadResult;
      do {
        this.#again = false;
        result = await this.#load();
      } while (this.#again);
      return result;
    })().finally(() => this.#loading = undefined);
    return this.#loading;
  }

  async #load(): Promise<ReloadResult> {
    try {
      const graph = await loadGraph(this.dir, { displayFile: "graph.yml" });
      this.#graph = graph;
      this.#lastGood = graph;
      this.#error = undefined;
      return { valid: true, graph };
    } catch (err) {
      const error = asGraphError(err, "graph.yml");
      this.#graph = undefined;
      this.#error = error;
      return { valid: false, error };
    }
  }
}
