/**
 * `runnel runs` lists recent runs; `runnel runs show [id]` shows one run
 * (the latest by default):
 * per-node status, timings, rows written, errors and logs.
 *
 * @module
 */

import { Command, Option } from "npm:commander@^14.0.3";
import { NotFoundError } from "../core/errors.ts";
import {
  formatCount,
  formatDuration,
  formatStatusCounts,
  formatTable,
} from "../core/format.ts";
import type { NodeStatusCounts, RunRecord } from "../stores/store.ts";
import {
  appOption,
  type CliContext,
  openExistingStore,
  positiveInt,
  storeOption,
} from "./_app.ts";
import { style } from "./_io.ts";

function duration(r: { startedAt?: Date; finishedAt?: Date }): string {
  return r.startedAt && r.finishedAt
    ? formatDuration(r.finishedAt.getTime() - r.startedAt.getTime())
    : "";
}

function when(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 19);
}

/** Builds the `runs` command. */
export function runsCommand(ctx: CliContext): Command {
  const cmd = new Command("runs")
    .description("List recent runs with status and duration")
    .addOption(appOption())
    .addOption(storeOption())
    .addOption(
      new Option("-n, --limit <n>", "how many runs").default(20).argParser(
        positiveInt("--limit"),
      ),
    )
    .option("--json", "print the list as JSON")
    .action(async (opts) => {
      const store = await openExistingStore(ctx, opts);
      const runs = store ? await store.listRuns(opts.limit) : [];
      const counts = store
        ? await store.countNodeRuns(runs.map((r) => r.id))
        : new Map<string, NodeStatusCounts>();
      await store?.close();
      if (opts.json) {
        ctx.io.out(JSON.stringify(
          runs.map((r) => ({ ...runJson(r), nodes: counts.get(r.id) ?? {} })),
          null,
          2,
        ));
        return;
      }
      if (runs.length === 0) {
        ctx.io.out("No runs yet: start one with runnel run.");
        return;
      }
      for (
        const l of formatTable(
          ["RUN", "STATUS", "STARTED", "DURATION", "NODES"],
          runs.map((r) => [
            r.id,
            r.status,
            when(r.startedAt),
            duration(r),
            formatStatusCounts(counts.get(r.id) ?? {}),
          ]),
        )
      ) ctx.io.out(l);
    });

  cmd.command("show")
    .description(
      "Show one run: per-node status, timings, rows written and logs",
    )
    .argument(
      "[run-id]",
      "run id, or a unique prefix of one (default: the latest run)",
    )
    .addOption(appOption())
    .addOption(storeOption())
    .option("--json", "print the run as JSON")
    .action(async (id: string | undefined, opts) => {
      const store = await openExistingStore(ctx, opts);
      try {
        const run = id === undefined
          ? (await store?.listRuns(1))?.[0]
          : await store?.getRun(id);
        if (!store || !run) {
          throw new NotFoundError(
            id === undefined
              ? "No runs in this app yet: start one with runnel run"
              : `No run "${id}" in this app: list runs with "runnel runs"`,
          );
        }
        const nodes = await store.listNodeRuns(run.id);
        const logs = await store.listLogs(run.id);
        if (opts.json) {
          ctx.io.out(JSON.stringify(
            {
              ...runJson(run),
              nodes: nodes.map((n) => ({
                id: n.nodeId,
                title: n.title,
                file: n.file,
                status: n.status,
                startedAt: n.startedAt?.toISOString() ?? null,
                durationMs: n.durationMs ?? null,
                rowsWritten: n.rowsWritten,
                ...(n.error ? { error: n.error } : {}),
                ...(n.reason ? { reason: n.reason } : {}),
                logs: logs.filter((l) => l.nodeId === n.nodeId).map((l) => ({
                  ts: l.ts.toISOString(),
                  level: l.level,
                  message: l.message,
                })),
              })),
            },
            null,
            2,
          ));
          return;
        }
        const s = style(ctx.io);
        const io = ctx.io;
        io.out(`${s.bold(`Run ${run.id}`)}  ${run.status}`);
        io.out(
          `started ${when(run.startedAt)}${
            run.finishedAt ? `, took ${duration(run)}` : ""
          }, trigger ${run.trigger}`,
        );
        if (Object.keys(run.params).length > 0) {
          io.out(
            `params: ${
              Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(" ")
            }`,
          );
        }
        io.out("");
        for (
          const l of formatTable(
            ["NODE", "STATUS", "DURATION", "ROWS", "FILE"],
            nodes.map((n) => [
              n.title,
              n.status,
              n.durationMs === undefined ? "" : formatDuration(n.durationMs),
              formatCount(n.rowsWritten),
              n.file,
            ]),
          )
        ) io.out(l);
        for (const n of nodes) {
          const mine = logs.filter((l) => l.nodeId === n.nodeId);
          if (mine.length === 0 && !n.error && !n.reason) continue;
          io.out("");
          io.out(s.bold(`── ${n.title} (${n.status})`));
          if (n.reason) io.out(`reason: ${n.reason}`);
          for (const l of mine) {
            const text = l.message.split("\n").join("\n" + " ".repeat(22));
            io.out(
              `${l.ts.toISOString().slice(11, 23)} ${
                l.level.padEnd(5)
              }  ${text}`,
            );
          }
        }
      } finally {
        await store?.close();
      }
    });
  return cmd;
}

function runJson(r: RunRecord) {
  return {
    runId: r.id,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    durationMs: r.finishedAt
      ? r.finishedAt.getTime() - r.startedAt.getTime()
      : null,
    trigger: r.trigger,
    selection: r.selection,
    params: r.params,
  };
}
