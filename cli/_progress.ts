// Console progress for `runnel run`: a live line per running node on a
// terminal, plain lines otherwise; colors only when allowed (NO_COLOR).
// With --explain, every node also says why it runs or is cached.

import type { RunEvent } from "../core/run/runner.ts";
import { formatCount, formatDuration } from "../core/format.ts";
import { type CliIo, style } from "./_io.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Renders run events; call `stop()` when the run is over. */
export function progressReporter(
  io: CliIo,
  opts: { verbose: boolean; explain?: boolean },
): { onEvent: (e: RunEvent) => void; stop: () => void } {
  const s = style(io);
  const titles = new Map<string, string>();
  const running = new Map<string, number>();
  let drawn = 0;
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const clear = () => {
    if (!io.isTty || drawn === 0) return;
    io.errRaw(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    if (!io.isTty) return;
    clear();
    const now = Date.now();
    for (const [id, t0] of running) {
      io.errRaw(
        `${s.cyan(FRAMES[frame % FRAMES.length]!)} ${titles.get(id)} ${
          s.dim(formatDuration(now - t0))
        }\n`,
      );
      drawn++;
    }
    frame++;
  };
  const line = (text: string) => {
    clear();
    io.err(text);
    draw();
  };

  const onEvent = (e: RunEvent) => {
    switch (e.type) {
      case "run-started":
        for (const n of e.nodes) titles.set(n.id, n.title);
        line(s.dim(`Run ${e.runId}: ${e.nodes.length} node(s)`));
        if (io.isTty) timer = setInterval(draw, 100);
        break;
      case "node-started": {
        running.set(e.nodeId, Date.now());
        // --explain: the planner's reason to run it, on a line of its own.
        const why = opts.explain && e.reason
          ? ` ${s.dim(`(${e.reason})`)}`
          : "";
        if (io.isTty && !why) draw();
        else line(`▶ ${e.title} started${why}`);
        break;
      }
      case "node-finished": {
        running.delete(e.nodeId);
        const mark = e.status === "succeeded"
          ? s.green("✓")
          : e.status === "cached"
          ? s.blue("○")
          : e.status === "skipped"
          ? s.yellow("-")
          : s.red("✗");
        const detail = e.status === "succeeded"
          ? `${formatDuration(e.durationMs)}, ${
            formatCount(e.rowsWritten)
          } row(s) written`
          : e.status === "failed"
          ? `${formatDuration(e.durationMs)}: ${e.error ?? ""}`
          : e.status === "cached"
          ? (opts.explain ? e.reason ?? "" : "")
          : e.error ?? e.reason ?? "";
        line(
          `${mark} ${e.title} ${e.status}${detail ? ` ${s.dim(detail)}` : ""}`,
        );
        break;
      }
      case "log":
        if (opts.verbose || e.level === "warn" || e.level === "error") {
          const tag = e.level === "error"
            ? s.red(e.level)
            : e.level === "warn"
            ? s.yellow(e.level)
            : s.dim(e.level);
          for (const l of e.message.split("\n")) {
            line(
              `  ${s.dim(`[${titles.get(e.nodeId) ?? e.nodeId}]`)} ${tag} ${l}`,
            );
          }
        }
        break;
      case "run-finished":
        break;
    }
  };
  return {
    onEvent,
    stop: () => {
      clearInterval(timer);
      clear();
    },
  };
}
