/**
 * `runnel run [node...]`: runs the graph (or the selected nodes) and records
 * the run. Exit 0 when every node succeeded, 1 otherwise, 130 when
 * interrupted (Ctrl+C stops the running nodes and records the run).
 *
 * @module
 */

import { Command, Option } from "npm:commander@^14.0.3";
import {
  countStatuses,
  formatDuration,
  formatStatusCounts,
} from "../core/format.ts";
import { runGraph } from "../core/run/runner.ts";
import {
  appOption,
  type CliContext,
  memoryOption,
  openApp,
  paramOption,
  parseParamFlags,
  positiveInt,
  storeOption,
} from "./_app.ts";
import { style } from "./_io.ts";
import { progressReporter } from "./_progress.ts";
import { onFirstSignal } from "./_signals.ts";

/** Builds the `run` command. */
export function runCommand(ctx: CliContext): Command {
  return new Command("run")
    .description("Run the graph, or just the given nodes, and record the run")
    .argument(
      "[nodes...]",
      'node ids, titles or files (default: all); "a+" adds downstream, "+a" upstream',
    )
    .addOption(appOption())
    .addOption(storeOption())
    .addOption(paramOption())
    .addOption(
      new Option("-c, --concurrency <n>", "how many nodes may run at once")
        .argParser(positiveInt("--concurrency")),
    )
    .addOption(memoryOption())
    .option("--stage <name>", "run every node of a stage")
    .option("-f, --force", "ignore the cache: rerun the selected nodes")
    .option("--fail-fast", "stop starting nodes after the first failure")
    .option("--no-wait", "fail at once if another run holds the store")
    .option("-e, --explain", "show why each node runs or is skipped")
    .option("--json", "print the result as JSON instead of progress")
    .option("-v, --verbose", "show every log line of every node")
    .addHelpText(
      "after",
      `
Examples:
  runnel run                                 run the whole graph
  runnel run score_leads --app my-app         run one node
  runnel run "Ingest Leads+"                 a node and everything downstream
  runnel run --force --explain               rerun everything, saying why
  runnel run -p leads_source=ads              set a parameter
  runnel run -p "Score Leads.threshold=0.5"   set it for one node only

Exit codes: 0 every node succeeded or was cached, 1 a node failed or was
skipped, 2 a usage error, 130 interrupted (Ctrl+C stops the running nodes,
publishes nothing of theirs and records the run; a second Ctrl+C quits at once).`,
    )
    .action(async (nodes: string[], opts) => {
      const params = parseParamFlags(opts.param as string[]);
      const { graph, store } = await openApp(ctx, opts);
      const io = ctx.io;
      if (graph.nodes.length === 0) {
        await store.close();
        io.err(
          `Nothing to run: ${graph.file} has no functions yet. Add one with: runnel create node <file>.ts`,
        );
        return;
      }
      const progress = opts.json ? undefined : progressReporter(io, {
        verbose: !!opts.verbose,
        explain: !!opts.explain,
      });
      // Ctrl+C stops the running nodes and records the run; a second one
      // quits at once (the run is then closed by the next run on the store).
      const interrupt = new AbortController();
      const unlisten = onFirstSignal((sig) => {
        progress?.stop();
        io.err(
          `\n${sig}: stopping the running nodes and recording the run… (${sig} again to quit at once)`,
        );
        interrupt.abort();
      });
      try {
        const result = await runGraph(graph, store, {
          signal: interrupt.signal,
          selection: nodes,
          stage: opts.stage,
          params,
          concurrency: opts.concurrency,
          memoryMb: opts.memory ?? undefined,
          force: !!opts.force,
          failFast: !!opts.failFast,
          wait: opts.wait !== false,
          onLockWait: (holder) =>
            io.err(
              `Waiting for another run on this store to finish: ${holder}…`,
            ),
          onEvent: progress?.onEvent,
        });
        progress?.stop();
        if (opts.json) {
          io.out(JSON.stringify(
            {
              runId: result.runId,
              status: result.status,
              nodes: result.nodes.map((n) => ({
                id: n.id,
                title: n.title,
                file: n.file,
                status: n.status,
                durationMs: n.durationMs,
                rowsWritten: n.rowsWritten,
                ...(n.error !== undefined ? { error: n.error } : {}),
                ...(n.reason !== undefined ? { reason: n.reason } : {}),
              })),
            },
            null,
            2,
          ));
        } else {
          const s = style(io);
          const summary = formatStatusCounts(countStatuses(result.nodes));
          const head = result.status === "succeeded"
            ? s.green("Run succeeded")
            : interrupt.signal.aborted
            ? s.red("Run interrupted")
            : s.red("Run failed");
          io.err(
            `${head} in ${
              formatDuration(result.durationMs)
            }: ${summary} (run ${result.runId})`,
          );
          for (const n of result.nodes.filter((n) => n.status === "failed")) {
            io.err(`\n${s.red("✗")} ${s.bold(n.title)} (${n.file}) failed:`);
            for (const l of (n.error ?? "").split("\n")) io.err(`    ${l}`);
          }
          if (result.status !== "succeeded") {
            io.err(
              `\nDetails and logs: runnel runs show ${result.runId}${
                opts.app ? ` --app ${opts.app}` : ""
              }`,
            );
          }
        }
        ctx.exitCode = interrupt.signal.aborted
          ? 130
          : result.status === "succeeded"
          ? 0
          : 1;
      } finally {
        unlisten();
        progress?.stop();
        await store.close();
      }
    });
}
