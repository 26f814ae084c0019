/**
 * Finding the app a command works on: `--app <dir>`, else the nearest
 * graph.yml from the working directory upwards.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { Option } from "npm:commander@^14.0.3";
import type { CliIo } from "./_io.ts";
import { AppNotFoundError, UsageError } from "../core/errors.ts";
import { parseMemoryMb } from "../core/size.ts";
import { type CliParam, parseCliParam } from "../core/params/params.ts";
import type { Graph } from "../core/graph/graph.ts";
import { loadGraph } from "../core/graph/load.ts";
import {
  isPostgresUrl,
  openStore,
  type Store,
  storeExists,
} from "../stores/mod.ts";

/** Name of the app definition file. */
export const GRAPH_FILE = "graph.yml";

/** Returns the absolute app directory, or throws AppNotFoundError with a fix. */
export function resolveAppDir(app: string | undefined, cwd: string): string {
  if (app !== undefined) {
    const dir = resolve(cwd, app);
    if (!isFile(join(dir, GRAPH_FILE))) {
      throw new AppNotFoundError(
        `No ${GRAPH_FILE} in ${dir}: pass the directory of an app to --app, or create one with "runnel create app ${app}"`,
      );
    }
    return dir;
  }
  let dir = resolve(cwd);
  while (true) {
    if (isFile(join(dir, GRAPH_FILE))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new AppNotFoundError(
    `No ${GRAPH_FILE} found in ${cwd} or any parent directory: pass --app <dir>, or create an app with "runnel create app <name>"`,
  );
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** State shared by every command of one `main()` call. */
export interface CliContext {
  io: CliIo;
  /** Set by a command to make `main()` return something other than 0. */
  exitCode: number;
}

/** The `--app <dir>` option every app command takes. */
export function appOption(): Option {
  return new Option(
    "-a, --app <dir>",
    "app directory (default: nearest graph.yml from here upwards)",
  );
}

/** The `--store <url>` option; RUNNEL_STORE is the fallback. */
export function storeOption(): Option {
  return new Option(
    "-s, --store <url>",
    "where data lives (default: <app>/.runnel/runnel.db; env RUNNEL_STORE)",
  );
}

/** The repeatable `--param name=value` option of `run` and `plan`. */
export function paramOption(): Option {
  return new Option(
    "-p, --param <name=value>",
    'set a parameter for every node that declares it; "Node Title.name=value" targets one node (repeatable)',
  ).argParser((v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .default([]);
}

/** Parses the `--param` values; a malformed one is a usage error. */
export function parseParamFlags(texts: string[]): CliParam[] {
  return texts.map((text) => {
    const p = parseCliParam(text);
    if (typeof p === "string") throw new UsageError(p);
    return p;
  });
}

/** Resolves the app, validates graph.yml (before anything is written), then opens the store. */
export async function openApp(
  ctx: CliContext,
  opts: { app?: string; store?: string },
): Promise<{ graph: Graph; store: Store }> {
  const dir = resolveAppDir(opts.app, ctx.io.cwd);
  const graph = await loadGraph(dir);
  const store = await openStore(opts.store ?? ctx.io.env("RUNNEL_STORE"), dir, {
    slug: graph.slug,
  });
  return { graph, store };
}

/**
 * The app's slug, which names its PostgreSQL schema; read from graph.yml
 * only when `url` is a PostgreSQL URL without `?schema=`.
 */
export async function slugFor(
  url: string | undefined,
  dir: string,
): Promise<string | undefined> {
  if (!isPostgresUrl(url) || /[?&]schema=/.test(url!)) return undefined;
  return (await loadGraph(dir)).slug;
}

/**
 * Opens the store of an app without validating graph.yml (for read-only
 * commands). Returns undefined when the app has never been run, without
 * creating anything.
 */
export async function openExistingStore(
  ctx: CliContext,
  opts: { app?: string; store?: string },
): Promise<Store | undefined> {
  const dir = resolveAppDir(opts.app, ctx.io.cwd);
  const url = opts.store ?? ctx.io.env("RUNNEL_STORE");
  const slug = await slugFor(url, dir);
  if (!(await storeExists(url, dir, { slug }))) return undefined;
  return await openStore(url, dir, { slug });
}

/** The heap limit nodes get without `--memory` or `memory:` of their own. */
export const DEFAULT_NODE_MEMORY = "2GB";

/** The `--memory <size|none>` option: a heap limit for every node without `memory:`. */
export function memoryOption(): Option {
  return new Option(
    "--memory <size>",
    "heap limit of every node's sandbox process without memory: in graph.yml (e.g. 512MB); none: V8's own",
  ).default(
    parseMemoryMb(DEFAULT_NODE_MEMORY) as number,
    DEFAULT_NODE_MEMORY,
  ).argParser((v: string) => {
    if (v.trim().toLowerCase() === "none") return null;
    const mb = parseMemoryMb(v);
    if (typeof mb === "string") {
      throw new UsageError(`--memory "${v}" is ${mb}, or none`);
    }
    return mb;
  });
}

/** Commander parser for a positive integer option. */
export function positiveInt(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`${flag} needs a positive whole number, got "${v}"`);
    }
    return n;
  };
}
