/**
 * Ordering the writes of one staged PostgreSQL table: checks run in call
 * order, COPYs overlap (two at a time, more queued), exclusive operations
 * run alone.
 * Private to `stores/postgres/`.
 *
 * @module
 */

import type { PgStaged } from "../_physical.ts";

/** COPYs of one table that may run at once. */
const MAX_RUNNING = 2;
/** Batches of one table encoded and waiting or running, before appends wait. */
const MAX_PENDING = 6;

interface Slots {
  running: number;
  waiting: (() => void)[];
}

const slots = new WeakMap<PgStaged, Slots>();

async function acquire(s: PgStaged): Promise<Slots> {
  let sl = slots.get(s);
  if (sl === undefined) slots.set(s, sl = { running: 0, waiting: [] });
  while (sl.running >= MAX_RUNNING) {
    await new Promise<void>((r) => sl!.waiting.push(r));
  }
  sl.running++;
  return sl;
}

function releaseSlot(sl: Slots): void {
  sl.running--;
  sl.waiting.shift()?.();
}

/**
 * Runs a write in call order: `prepare` after the earlier writes'
 * prepare steps, then `copy` once fewer than {@link MAX_RUNNING} of the
 * table's COPYs run. Resolves when `copy` is done, or with `detach` as
 * soon as it is queued (fewer than {@link MAX_PENDING} batches waiting):
 * then its failure (which only a broken connection or server can cause)
 * fails the table's next write, read or commit.
 */
export function ordered(
  s: PgStaged,
  prepare: () => Promise<void>,
  copy: () => Promise<void>,
  detach: () => boolean,
): Promise<void> {
  const prev = s.queue;
  let release!: () => void;
  // The next write may start once this one is queued.
  s.queue = new Promise<void>((r) => (release = r));
  return (async () => {
    try {
      await prev;
      await prepare();
      const later = detach();
      const task = (async () => {
        const sl = await acquire(s);
        try {
          await copy();
        } finally {
          releaseSlot(sl);
        }
      })();
      const tracked = task.catch((err) => {
        if (later) s.failure ??= err;
      });
      s.inflight.add(tracked);
      tracked.finally(() => s.inflight.delete(tracked));
      if (!later) {
        release();
        return await task;
      }
      while (s.inflight.size > MAX_PENDING) await Promise.race(s.inflight);
      release();
    } finally {
      release();
    }
  })();
}

/** Runs `fn` alone: after every earlier write finished, before any later one starts. */
export function exclusive(s: PgStaged, fn: () => Promise<void>): Promise<void> {
  const prev = s.queue;
  const done = (async () => {
    await prev;
    while (s.inflight.size > 0) await Promise.allSettled([...s.inflight]);
    if (s.failure !== undefined) throw s.failure;
    await fn();
  })();
  s.queue = done.catch(() => {});
  return done;
}
