/**
 * Cron schedules of the dev server: every node whose `trigger:` is a cron
 * string fires at the times it names (computed by croner, in the server's
 * local time zone). Nodes due at the same moment fire together. The clock
 * and timer are injectable, so tests step time instead of waiting.
 *
 * @module
 */

import { Cron } from "npm:croner@^9";
import type { Graph } from "../core/graph/graph.ts";

/** The clock and timer the scheduler uses. */
export interface ServerClock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const realClock: ServerClock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as number),
};

/** Longest single wait; longer ones are re-armed (timers overflow past ~24 days). */
const MAX_WAIT_MS = 60 * 60 * 1000;

interface Job {
  nodeId: string;
  expr: string;
  cron: Cron;
  next: Date | undefined;
}

/** Fires cron-triggered nodes; see the module doc. */
export class CronScheduler {
  readonly #clock: ServerClock;
  readonly #onDue: (nodeIds: string[]) => void;
  #jobs: Job[] = [];
  #timer: unknown;
  #stopped = false;

  constructor(clock: ServerClock, onDue: (nodeIds: string[]) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  /** Schedules the cron nodes of `graph` (none when undefined), keeping unchanged ones' next times. */
  setGraph(graph: Graph | undefined): void {
    const old = new Map(this.#jobs.map((j) => [j.nodeId, j]));
    const now = this.#clock.now();
    this.#jobs = [];
    for (const n of graph?.nodes ?? []) {
      if (n.trigger.kind !== "cron") continue;
      const prev = old.get(n.id);
      if (prev !== undefined && prev.expr === n.trigger.expr) {
        this.#jobs.push(prev);
        continue;
      }
      const cron = new Cron(n.trigger.expr, { paused: true });
      this.#jobs.push({
        nodeId: n.id,
        expr: n.trigger.expr,
        cron,
        next: cron.nextRun(now) ?? undefined,
      });
    }
    this.#arm();
  }

  /** Next fire time of each scheduled node. */
  nextRuns(): Map<string, Date> {
    const out = new Map<string, Date>();
    for (const j of this.#jobs) if (j.next) out.set(j.nodeId, j.next);
    return out;
  }

  /** Cancels the timer; nothing fires after this. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#stopped) return;
    const times = this.#jobs.flatMap((j) => j.next ? [j.next.getTime()] : []);
    if (times.length === 0) return;
    const wait = Math.min(...times) - this.#clock.now().getTime();
    this.#timer = this.#clock.setTimeout(
      () => this.#fire(),
      Math.max(0, Math.min(wait, MAX_WAIT_MS)),
    );
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const now = this.#clock.now();
    const due: string[] = [];
    for (const j of this.#jobs) {
      if (j.next === undefined || j.next.getTime() > now.getTime()) continue;
      due.push(j.nodeId);
      // From now, not from j.next: after a sleep, fire once, not once per missed time.
      j.next = j.cron.nextRun(now) ?? undefined;
    }
    if (due.length > 0) {
      try {
        this.#onDue(due);
      } catch {
        // reported by the caller; keep the schedule going
      }
    }
    this.#arm();
  }
}
