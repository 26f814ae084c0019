/**
 * Watches the app directory (not `.runnel/`, `.git/` or `node_modules/`)
 * and calls back once per burst of changes, after a quiet period.
 *
 * @module
 */

import { sep } from "node:path";

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

/** A running watcher; `close()` stops it. */
export interface DirWatcher {
  close(): void;
}

/**
 * Watches `dir` recursively and calls `onChange` with the changed paths
 * `debounceMs` after the last relevant event of a burst; `ignore` filters
 * paths (default {@link ignoredPath}).
 */
export function watchDir(
  dir: string,
  onChange: (paths: string[]) => void,
  debounceMs = 100,
  ignore: (path: string) => boolean = (p) => ignoredPath(dir, p),
): DirWatcher {
  const watcher = Deno.watchFs(dir, { recursive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = new Set<string>();
  let closed = false;
  (async () => {
    try {
      for await (const ev of watcher) {
        if (ev.kind === "access") continue;
        const paths = ev.paths.filter((p) => !ignore(p));
        if (paths.length === 0) continue;
        for (const p of paths) pending.add(p);
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          const changed = [...pending];
          pending = new Set();
          if (!closed) onChange(changed);
        }, debounceMs);
      }
    } catch {
      // closed, or the directory went away
    }
  })();
  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      try {
        watcher.close();
      } catch {
        // already closed
      }
    },
  };
}
