/**
 * The store's file itself: created in one step (so an empty file is never
 * Runnel's), watched for being removed or replaced while it is open, and
 * SQLite's failures explained with its path. Private to `stores/sqlite/`.
 *
 * @module
 */

import { StoreError } from "../../core/errors.ts";

/** The identity of the file at `path` (device and inode), or undefined when there is none. */
export function fileIdentity(path: string): string | undefined {
  try {
    const info = Deno.statSync(path);
    return `${info.dev}:${info.ino}`;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/**
 * Throws unless `path` is still the file that was opened as `identity`.
 * A store whose file was deleted (say, `rm -r .runnel` while the server
 * runs) or replaced would otherwise take writes that no one can ever read.
 */
export function assertSameFile(path: string, identity: string): void {
  let now: string | undefined;
  try {
    now = fileIdentity(path);
  } catch {
    return; // cannot tell (e.g. permission): SQLite will say what is wrong
  }
  if (now === identity) return;
  const what = now === undefined
    ? "was deleted"
    : "was replaced by another file";
  throw new StoreError(
    `The store file ${path} ${what} while Runnel had it open; nothing more is written to it. Stop this process and start it again to open ${
      now === undefined ? "a new, empty store" : "the file now there"
    } (restore the old file first if you need its history)`,
  );
}

/**
 * Refuses a store file that exists but is empty. Runnel creates its store
 * files whole ({@link createStoreFile}), so an empty one was truncated by
 * something else: opening it would silently start a new, empty history.
 */
export function refuseEmptyFile(path: string): void {
  let size: number;
  try {
    size = Deno.statSync(path).size;
  } catch {
    return;
  }
  if (size > 0) return;
  throw new StoreError(
    `The store file ${path} is empty (0 bytes): its tables and run history are gone. Restore it from a backup, or delete it to start a new store`,
  );
}

/**
 * Creates the store file at `path` whole: `init` fills a temporary file in
 * the same folder, which is then linked into place, so no process ever
 * sees a half-initialised or empty store. Does nothing when the file
 * already exists (another process may create it at the same moment).
 */
export function createStoreFile(
  path: string,
  init: (tmpPath: string) => void,
): void {
  if (fileIdentity(path) !== undefined) return;
  const tmp = `${path}.new-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    init(tmp);
    try {
      Deno.linkSync(tmp, path);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  } finally {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) {
      try {
        Deno.removeSync(tmp + suffix);
      } catch {
        // not there
      }
    }
  }
}

/** SQLite result codes (the primary code, `errcode & 0xff`) that get their own explanation. */
const EXPLAINED: Record<number, (path: string) => string> = {
  8: (path) =>
    `Cannot write the store ${path}: the file or its folder is read-only. Make both writable by the user running Runnel, or choose another store with --store`,
  10: (path) =>
    `Cannot read or write the store ${path}: the disk reported an I/O error. Check the disk and the file, then try again`,
  11: (path) =>
    `The store file ${path} is damaged ("database disk image is malformed"). Restore it from a backup, or move it aside to start a new store`,
  13: (path) =>
    `Cannot write the store ${path}: the disk is full. Free some space and try again; nothing of the failed write was kept`,
  26: (path) =>
    `The file ${path} is not a Runnel store (not an SQLite database). Choose another --store, or move the file aside`,
};

/** SQLite's messages for the codes above, for errors that carry no `errcode`. */
const MESSAGES: [RegExp, number][] = [
  [/attempt to write a readonly database/, 8],
  [/disk I\/O error/, 10],
  [/database disk image is malformed/, 11],
  [/database or disk is full/, 13],
  [/unable to open database file/, 14],
  [/file is not a database/, 26],
];

/** The SQLite result code of `err`, from `errcode` or else from SQLite's message. */
function sqliteCode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown })?.errcode;
  if (typeof code === "number") return code;
  if ((err as { code?: unknown })?.code !== "ERR_SQLITE_ERROR") {
    return undefined;
  }
  const message = String((err as Error).message);
  return MESSAGES.find(([re]) => re.test(message))?.[1];
}

/**
 * Turns a raw SQLite failure into a StoreError that names the store's file
 * and what to do; other errors pass through unchanged.
 */
export function explainSqliteError(path: string, err: unknown): unknown {
  const code = sqliteCode(err);
  if (code === undefined) return err;
  // "unable to open database file": in WAL mode a read-only folder stops
  // SQLite from creating its -shm and -wal files.
  if ((code & 0xff) === 14 && !folderWritable(path)) {
    return new StoreError(EXPLAINED[8]!(path), { cause: err });
  }
  const explain = EXPLAINED[code & 0xff];
  if (explain === undefined) return err;
  return new StoreError(explain(path), { cause: err });
}

/** Whether a file can be created beside `path` (never opening `path` itself). */
function folderWritable(path: string): boolean {
  const probe = `${path}.probe-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.writeFileSync(probe, new Uint8Array(), { createNew: true });
    Deno.removeSync(probe);
    return true;
  } catch {
    return false;
  }
}
