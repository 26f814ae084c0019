// deno-lint-ignore-file no-control-regex -- these tests assert on ANSI escape sequences
import assert from "node:assert/strict";
import { memoryIo } from "./_io.ts";
import { progressReporter } from "./_progress.ts";
import type { RunEvent } from "../core/run/runner.ts";

const events = (runId = "r1") => [
  { type: "run-started" as const, runId, nodes: [{ id: "a", title: "Alpha" }] },
  { type: "node-started" as const, runId, nodeId: "a", title: "Alpha" },
  {
    type: "log" as const,
    runId,
    nodeId: "a",
    level: "warn" as const,
    message: "careful",
    ts: new Date(),
  },
  {
    type: "node-finished" as const,
    runId,
    nodeId: "a",
    title: "Alpha",
    status: "succeeded" as const,
    durationMs: 12,
    rowsWritten: 3,
  },
];

Deno.test("progress: plain lines when not a terminal, no colors", () => {
  const io = memoryIo();
  const p = progressReporter(io, { verbose: false });
  for (const e of events()) p.onEvent(e);
  p.stop();
  assert.deepEqual(io.stderr, [
    "Run r1: 1 node(s)",
    "▶ Alpha started",
    "  [Alpha] warn careful",
    "✓ Alpha succeeded 12ms, 3 row(s) written",
  ]);
  assert.ok(io.stderr.every((l) => !l.includes("\x1b[")));
});

Deno.test("progress: a live line per running node on a terminal", () => {
  const io = { ...memoryIo(), isTty: true, color: true };
  const lines: string[] = [];
  io.err = (l: string) => lines.push(l + "\n");
  io.errRaw = (t: string) => lines.push(t);
  const p = progressReporter(io, { verbose: false });
  for (const e of events()) p.onEvent(e);
  p.stop();
  const text = lines.join("");
  assert.match(
    text,
    /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏](\x1b\[0m)? Alpha/,
    "a spinner line for the running node",
  );
  assert.match(text, /\x1b\[1A\x1b\[0J/, "the live line is redrawn in place");
  assert.match(text, /\x1b\[32m✓\x1b\[0m Alpha succeeded/, "colored result");
  assert.doesNotMatch(
    text,
    /▶ Alpha started/,
    "no plain start line on a terminal",
  );
});

Deno.test("progress: NO_COLOR turns colors off even on a terminal", () => {
  const io = { ...memoryIo(), isTty: true, color: false };
  const lines: string[] = [];
  io.err = (l: string) => lines.push(l);
  io.errRaw = (t: string) => lines.push(t);
  const p = progressReporter(io, { verbose: true });
  for (const e of events()) p.onEvent(e);
  p.stop();
  assert.ok(lines.some((l) => l.includes("✓ Alpha succeeded")));
  assert.ok(lines.every((l) => !/\x1b\[3\dm/.test(l)));
});

const cachedBeta: RunEvent = {
  type: "node-finished",
  runId: "r",
  nodeId: "b",
  title: "Beta",
  status: "cached",
  durationMs: 0,
  rowsWritten: 0,
  reason: "unchanged since run r0",
};

Deno.test("progress: --explain says why each node runs or is cached", () => {
  const io = memoryIo();
  const p = progressReporter(io, { verbose: false, explain: true });
  p.onEvent({ type: "run-started", runId: "r", nodes: [] });
  p.onEvent({
    type: "node-started",
    runId: "r",
    nodeId: "a",
    title: "Alpha",
    reason: "code changed: alpha.ts",
  });
  p.onEvent(cachedBeta);
  p.stop();
  assert.deepEqual(io.stderr.slice(1), [
    "▶ Alpha started (code changed: alpha.ts)",
    "○ Beta cached unchanged since run r0",
  ]);
  // Without it: no reasons, and no trailing space after a cached node.
  const plain = memoryIo();
  const q = progressReporter(plain, { verbose: false });
  q.onEvent(cachedBeta);
  assert.deepEqual(plain.stderr, ["○ Beta cached"]);
});
