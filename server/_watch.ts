/**
 * Watches the app directory (not `.runnel/`, `.git/` or `node_modules/`)
 * and calls back once per burst of changes, after a quiet period.
 *
 * It polls with `lstat` and never opens a file. `Deno.watchFs` opens every
 * file it reports (to drop events that changed nothing), and closing any
 * descriptor of a file releases every POSIX lock the process holds on it:
 * SQLite's locks on a store the server has open were released that way,
 * and a `runnel run` in another process then wrote the file at the same
 * time as the server and corrupted it.
 *
 * @module
 */

import { join, sep } from "node:path";

const IGNORED = [".runnel", ".git", "node_modules"];

/** True when a change to `path` (inside `dir`) should be ignored. */
export function ignoredPath(dir: string, path: string): boolean {
  const rel = path.startsWith(dir) ? path.slice(dir.length) : path;
  const parts = rel.split(/[\\/]/).filter((p) => p !== "");
  if (parts.some((p) => IGNORED.includes(p))) return true;
  const name = parts[parts.length - 1] ?? "";
  // Editor droppings: swap, backup and temp files.
  return /\.(swp|swx|tmp)$|~$|^\.#|^#.*#$/.test(name) ||
    name === "4913" || path.includes(`${sep}.runnel${sep}`);
}

/** A running watcher. */
export interface DirWatcher {
  /** Resolves once the tree as it is now has been seen: changes from then on are reported. */
  readonly ready: Promise<void>;
  /** Stops it; resolves once a scan under way has ended. */
  close(): Promise<void>;
}

/** What identifies a file's state without opening it. */
type Signature = string;

/** Most entries one scan looks at; past that the rest of the tree is not watched. */
const MAX_ENTRIES = 20_000;

async function signatureOf(path: string): Promise<Signature | undefined> {
  try {
    let info = await Deno.lstat(path);
    // A symlinked node file changes when its target does: stat follows the
    // link (it still opens nothing).
    if (info.isSymlink) info = await Deno.stat(path);
    return `${
      info.isDirectory ? "d" : "f"
    }:${info.mtime?.getTime()}:${info.size}:${info.ino}`;
  } catch {
    return undefined; // gone between listing and lstat
  }
}

async function scan(
  dir: string,
  ignore: (path: string) => boolean,
): Promise<Map<string, Signature>> {
  const out = new Map<string, Signature>();
  const pending = [dir];
  while (pending.length > 0 && out.size < MAX_ENTRIES) {
    const d = pending.pop()!;
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      continue; // removed meanwhile, or unreadable
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (ignore(p)) continue;
      const sig = await signatureOf(p);
      if (sig === undefined) continue;
      out.set(p, sig);
      if (e.isDirectory) pending.push(p);
    }
  }
  return out;
}

/**
 * Watches `dir` recursively and calls `onChange` with the changed paths
 * (added, modified or removed) `debounceMs` after the last change of a
 * burst; `ignore` filters paths (default {@link ignoredPath}). The tree is
 * looked at every `intervalMs` (longer when a scan takes a while). A change
 * that keeps a file's size, inode and (millisecond) modification time is
 * not seen: telling would mean opening the file.
 */
export function watchDir(
  dir: string,
  onChange: (paths: string[]) => void,
  debounceMs = 100,
  ignore: (path: string) => boolean = (p) => ignoredPath(dir, p),
  intervalMs = 250,
): DirWatcher {
  let closed = false;
  let poll: ReturnType<typeof setTimeout> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = new Set<string>();
  let last: Map<string, Signature> | undefined;
  let scanning: Promise<void> | undefined;

  const flush = () => {
    timer = undefined;
    const changed = [...pending];
    pending = new Set();
    if (!closed && changed.length > 0) onChange(changed);
  };

  let seen!: () => void;
  const ready = new Promise<void>((r) => seen = r);
  const tick = () => {
    scanning = look().finally(() => {
      scanning = undefined;
      seen();
    });
  };
  const look = async () => {
    const started = performance.now();
    const now = await scan(dir, ignore);
    if (closed) return;
    if (last !== undefined) {
      let any = false;
      for (const [p, sig] of now) {
        if (last.get(p) !== sig) {
          pending.add(p);
          any = true;
        }
      }
      for (const p of last.keys()) {
        if (!now.has(p)) {
          pending.add(p);
          any = true;
        }
      }
      if (any) {
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(flush, debounceMs);
      }
    }
    last = now;
    // A big tree is looked at less often, so scans never take most of the time.
    const took = performance.now() - started;
    poll = setTimeout(tick, Math.max(intervalMs, took * 4));
  };
  tick();

  return {
    ready,
    async close() {
      closed = true;
      if (poll !== undefined) clearTimeout(poll);
      if (timer !== undefined) clearTimeout(timer);
      poll = timer = undefined;
      await scanning;
    },
  };
}
