// Runs left "running" by a process that stopped without finishing them
// (killed, crashed, lost its connection). Whoever holds the store's run
// lock knows no other run is going, so it closes them: unfinished nodes
// become failed (or skipped, if they never started), with a reason that
// says what happened. The run is failed unless every node had finished
// well: a process killed after its last publish (whose transaction saved
// the nodes' records) leaves a run that did all its work, and it says so.

import type { Store } from "../../stores/store.ts";

/** How many recent runs are checked each time (older ones were checked by earlier runs). */
const RECENT = 50;

/** The reason recorded on the nodes of a run closed this way. */
export const STALE_REASON =
  "the process running it stopped before the run finished";

/**
 * Closes recent runs still recorded as running, other than `current`.
 * Call only while holding the store's run lock.
 * @returns the ids of the runs it closed.
 */
export async function closeStaleRuns(
  store: Store,
  current: string,
): Promise<string[]> {
  const stale = (await store.listRuns(RECENT)).filter((r) =>
    r.status === "running" && r.id !== current
  );
  for (const run of stale) {
    const nodes = await store.listNodeRuns(run.id);
    const open = nodes.filter((n) =>
      n.status === "running" || n.status === "pending"
    );
    // It ended some time after the last thing it recorded; that is the best
    // finish time there is (the time of closing would inflate its duration).
    let last = run.startedAt.getTime();
    for (const n of nodes) {
      for (const t of [n.startedAt, n.finishedAt]) {
        if (t !== undefined) last = Math.max(last, t.getTime());
      }
    }
    await store.saveNodeRuns(open.map((n) => ({
      ...n,
      status: n.status === "running" ? "failed" : "skipped",
      error: n.status === "running" ? STALE_REASON : undefined,
      reason: n.status === "running" ? n.reason : STALE_REASON,
    })));
    const finished = nodes.length > 0 && open.length === 0 &&
      nodes.every((n) => n.status !== "failed");
    await store.updateRun(run.id, {
      status: finished ? "succeeded" : "failed",
      finishedAt: new Date(last),
    });
  }
  return stale.map((r) => r.id);
}
