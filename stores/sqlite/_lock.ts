/**
 * The run lock of the SQLite store: an exclusive OS file lock on
 * `<db>.lock`, taken with a non-blocking try and polled while waiting. The
 * operating system releases it when the holding process dies, however it
 * dies, so a lock never needs cleaning up by hand. The holder writes who it
 * is to `<db>.lock-owner` right after acquiring, so waiters can name it.
 * Private to `stores/sqlite/`.
 *
 * @module
 */

import { InterruptedError, StoreError } from "../../core/errors.ts";
import type { LockOptions, StoreLock } from "../store.ts";

/** A held run lock; `releaseSync` serves the store's close(). */
export interface HeldLock extends StoreLock {
  releaseSync(): void;
}

/** How often a waiter tries again. */
const POLL_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The owner string of the current holder, as best known. */
async function holderOf(ownerPath: string): Promise<string> {
  // The holder writes its name just after acquiring: give it a moment.
  for (let i = 0; i < 5; i++) {
    try {
      const text = (await Deno.readTextFile(ownerPath)).trim();
      if (text !== "") return text;
    } catch {
      // not written yet
    }
    await sleep(20);
  }
  return "another process (owner unknown)";
}

async function openLockFile(lockPath: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(lockPath, {
      read: true,
      write: true,
      create: true,
    });
  } catch (err) {
    throw new StoreError(
      `Cannot open the lock file ${lockPath}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Takes the run lock of the store at `dbPath`. `isClosed` stops a waiter
 * when the store is closed meanwhile. `location` is shown in messages.
 */
export async function acquireRunLock(
  dbPath: string,
  location: string,
  opts: LockOptions,
  isClosed: () => boolean,
): Promise<HeldLock> {
  const lockPath = `${dbPath}.lock`;
  const ownerPath = `${dbPath}.lock-owner`;
  const owner = String(opts?.owner ?? "").trim() || `pid ${Deno.pid}`;
  const file = await openLockFile(lockPath);
  let waited = false;
  try {
    while (!(await file.tryLock(true))) {
      if (isClosed()) {
        throw new StoreError(
          `The store ${location} was closed while waiting for its run lock`,
        );
      }
      if (opts?.signal?.aborted) {
        throw new InterruptedError(
          `Stopped waiting for the run lock on ${location}: the run was interrupted before it started`,
        );
      }
      if (opts?.wait === false) {
        throw new StoreError(
          `Another run holds the lock on ${location}: ${await holderOf(
            ownerPath,
          )}; wait for it to finish or run again without --no-wait`,
        );
      }
      if (!waited) {
        waited = true;
        opts?.onWait?.(await holderOf(ownerPath));
      }
      await sleep(POLL_MS);
    }
  } catch (err) {
    file.close();
    throw err;
  }
  try {
    await Deno.writeTextFile(ownerPath, owner + "\n");
  } catch {
    // Naming the holder is a courtesy; the lock itself is held.
  }
  let released = false;
  const releaseSync = (): void => {
    if (released) return;
    released = true;
    // Forget the name before unlocking, so it never erases the next holder's.
    try {
      Deno.removeSync(ownerPath);
    } catch {
      // already gone
    }
    try {
      file.close(); // closing the file releases the OS lock
    } catch {
      // already closed
    }
  };
  return {
    release: () => Promise.resolve(releaseSync()),
    releaseSync,
  };
}
