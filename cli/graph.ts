/**
 * `runnel graph`: prints the DAG as Mermaid, or Graphviz with `--format dot`.
 *
 * @module
 */

import { Command, Option } from "npm:commander@^14.0.3";
import { loadGraph } from "../core/graph/load.ts";
import { toDot, toMermaid } from "../core/graph/render.ts";
import { appOption, type CliContext, resolveAppDir } from "./_app.ts";

/** Builds the `graph` command. */
export function graphCommand(ctx: CliContext): Command {
  return new Command("graph")
    .description("Print the graph of nodes and tables (Mermaid or Graphviz)")
    .addOption(appOption())
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["mermaid", "dot"]).default("mermaid"),
    )
    .addHelpText(
      "after",
      "\nExample:\n  runnel graph --format dot | dot -Tsvg > graph.svg",
    )
    .action(async (opts) => {
      const graph = await loadGraph(resolveAppDir(opts.app, ctx.io.cwd));
      ctx.io.out(opts.format === "dot" ? toDot(graph) : toMermaid(graph));
    });
}
