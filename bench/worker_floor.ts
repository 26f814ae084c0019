// The floor that per-node Worker isolation puts under the planner's
// figures: what an empty Worker costs on this machine, measured in the same
// run. Constructing a Deno Worker blocks the creating thread until the new
// isolate exists, so spawns do not overlap however many are in flight.

import { median } from "./_util.ts";

/** Spawn-and-answer cost of a Worker that runs no code of ours. */
export interface WorkerFloor {
  /** Median ms a `new Worker(...)` call blocks its caller. */
  ctorMs: number;
  /** Median ms from `new Worker(...)` to its first answer. */
  roundTripMs: number;
  /** Workers spawned and answered per second, 1 in flight. */
  perSec1: number;
  /** The same with 4 in flight. */
  perSec4: number;
}

const ECHO = "data:text/javascript," +
  encodeURIComponent("self.onmessage = (e) => self.postMessage(e.data);");

function spawn(): Worker {
  return new Worker(ECHO, {
    type: "module",
    // deno-lint-ignore no-explicit-any
    deno: { permissions: "none" } as any,
  } as WorkerOptions);
}

async function answer(w: Worker): Promise<void> {
  await new Promise<void>((res) => {
    w.onmessage = () => res();
    w.postMessage(1);
  });
  w.terminate();
}

async function rate(inFlight: number, total: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < total) {
      next++;
      await answer(spawn());
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return total / ((performance.now() - t0) / 1000);
}

/** Measures {@link WorkerFloor} (about a second). */
export async function workerFloor(): Promise<WorkerFloor> {
  await answer(spawn()); // warm-up
  const ctor: number[] = [];
  const trip: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const w = spawn();
    ctor.push(performance.now() - t0);
    await answer(w);
    trip.push(performance.now() - t0);
  }
  return {
    ctorMs: median(ctor),
    roundTripMs: median(trip),
    perSec1: await rate(1, 30),
    perSec4: await rate(4, 40),
  };
}
