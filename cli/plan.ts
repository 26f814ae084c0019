/**
 * `runnel plan`: for every node, whether the next run would run or skip it,
 * and why. Nothing is run or written.
 *
 * @module
 */

import { Command } from "npm:commander@^14.0.3";
import { formatTable } from "../core/format.ts";
import { planGraph } from "../core/plan/plan.ts";
import { loadGraph } from "../core/graph/load.ts";
import { openStore, storeExists } from "../stores/mod.ts";
import {
  appOption,
  type CliContext,
  paramOption,
  parseParamFlags,
  resolveAppDir,
  storeOption,
} from "./_app.ts";

/** Builds the `plan` command. */
export function planCommand(ctx: CliContext): Command {
  return new Command("plan")
    .description("Show what a run would do for every node, and why")
    .argument("[nodes...]", 'node selectors, as for "runnel run"')
    .addOption(appOption())
    .addOption(storeOption())
    .option("--stage <name>", "plan every node of a stage")
    .addOption(paramOption())
    .option("-f, --force", "plan as if --force were given")
    .option("--json", "print the plan as JSON")
    .addHelpText(
      "after",
      `
Actions: run (something changed), skip (cached), maybe (runs only if an
upstream node that reruns writes different content).

Example:
  runnel plan --param min_score=0.7`,
    )
    .action(async (nodes: string[], opts) => {
      const params = parseParamFlags(opts.param as string[]);
      const dir = resolveAppDir(opts.app, ctx.io.cwd);
      const graph = await loadGraph(dir);
      // A plan writes nothing: an app that never ran is planned against an
      // empty throwaway store instead of creating its own.
      const url = opts.store ?? ctx.io.env("RUNNEL_STORE");
      const slug = graph.slug;
      const scratch = (await storeExists(url, dir, { slug }))
        ? undefined
        : await Deno.makeTempDir({ prefix: "runnel_plan_" });
      const store = await openStore(scratch ? undefined : url, scratch ?? dir, {
        slug,
      });
      try {
        const plan = await planGraph(graph, store, {
          selection: nodes,
          stage: opts.stage,
          params,
          force: !!opts.force,
        });
        if (opts.json) {
          ctx.io.out(JSON.stringify(plan, null, 2));
          return;
        }
        for (
          const l of formatTable(
            ["NODE", "ACTION", "WHY"],
            plan.map((p) => [p.title, p.action, p.reasons.join("; ")]),
          )
        ) ctx.io.out(l);
      } finally {
        await store.close();
        if (scratch) await Deno.remove(scratch, { recursive: true });
      }
    });
}
