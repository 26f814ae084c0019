// The floor that sandboxing puts under the planner's figures, measured in
// the same run: what a sandbox process costs to start (until its Worker
// answers), and what one empty node costs in a warm one (the start and done
// messages through the process and back, with no store work at all).

import { ProcessWorker } from "../core/sandbox/_process_worker.ts";
import type { SandboxPermissions } from "../core/sandbox/permissions.ts";
import { median, tempApp } from "./_util.ts";

/** Costs of sandbox processes and warm workers on this machine. */
export interface WorkerFloor {
  /** Median ms from spawning a sandbox process to its Worker's first answer. */
  spawnMs: number;
  /** Median ms of one empty node run in a warm worker (start → done). */
  warmMs: number;
  /** Empty node runs per second through warm workers, `lanes` at once. */
  warmPerSec: number;
  lanes: number;
}

/** Runs empty node modules in `w`; resolves with the ms of each. */
async function runEmpty(
  w: ProcessWorker,
  files: string[],
): Promise<number[]> {
  const times: number[] = [];
  for (const file of files) {
    const token = crypto.randomUUID();
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      w.onmessage = (e) => {
        if (e.data?.t === "done") resolve();
        else if (e.data?.t !== "log") reject(new Error(JSON.stringify(e.data)));
      };
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage({
        t: "start",
        token,
        moduleUrl: `file://${file}`,
        node: { id: "x", title: "x", runId: "r" },
        inputs: {},
        outputs: {},
        params: {},
        secretParams: [],
        state: {},
        batchRows: 10,
      });
    });
    times.push(performance.now() - t0);
  }
  return times;
}

/** Measures {@link WorkerFloor} (a few seconds). */
export async function workerFloor(lanes = 2): Promise<WorkerFloor> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 200; i++) files[`n${i}.js`] = "export default () => {};";
  const dir = await tempApp(files);
  const paths = Object.keys(files).map((f) => `${dir}/${f}`);
  const perms: SandboxPermissions = {
    read: paths,
    write: false,
    net: false,
    env: false,
  };
  try {
    const spawn: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const w = new ProcessWorker(perms);
      await runEmpty(w, [paths[i]!]);
      spawn.push(performance.now() - t0);
      w.terminate();
    }
    const warm = new ProcessWorker(perms);
    await runEmpty(warm, paths.slice(0, 10)); // warm-up
    const warmMs = median(await runEmpty(warm, paths.slice(10, 60)));
    warm.terminate();
    const workers = Array.from(
      { length: lanes },
      () => new ProcessWorker(perms),
    );
    await Promise.all(workers.map((w, i) => runEmpty(w, [paths[60 + i]!])));
    const t0 = performance.now();
    const per = Math.floor(100 / lanes);
    await Promise.all(
      workers.map((w, i) =>
        runEmpty(w, paths.slice(100 + i * per, 100 + (i + 1) * per))
      ),
    );
    const warmPerSec = (per * lanes) / ((performance.now() - t0) / 1000);
    for (const w of workers) w.terminate();
    return { spawnMs: median(spawn), warmMs, warmPerSec, lanes };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
