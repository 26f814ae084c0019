/**
 * Scaffolding behind `runnel create`: new apps, new nodes and new tables.
 * Nodes and tables are added to graph.yml with every existing comment,
 * blank line and indentation kept; graph.yml is replaced atomically, and
 * nothing is written when it does not parse.
 *
 * @module
 */

import {
  basename,
  dirname,
  extname,
  isAbsolute,
  join,
  relative,
  resolve,
  sep,
} from "node:path";
import { AppNotFoundError, RunnelError, UsageError } from "../errors.ts";
import { RUNNEL_D_TS } from "./runnel_d_ts.ts";
import { slugify, titleFromStem } from "../graph/mod.ts";
import {
  checkClashes,
  checkNodeFile,
  checkTableName,
  checkTitle,
  nodeIdFromFile,
  nodeTitleFromFile,
} from "./_checks.ts";
import {
  appendToList,
  type GraphYaml,
  parseGraphYaml,
  topLevelList,
} from "../graph/edit.ts";
import {
  GITIGNORE_TEMPLATE,
  graphTemplate,
  jsNodeTemplate,
  readmeTemplate,
  sqlNodeTemplate,
  tsNodeTemplate,
} from "./_templates.ts";

export { nodeIdFromFile, nodeTitleFromFile } from "./_checks.ts";

const GRAPH_FILE = "graph.yml";
const TYPES_FILE = "runnel.d.ts";

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** App title; defaults to one derived from the directory name. */
  title?: string;
}

/** Options of {@link createNode}. */
export interface CreateNodeOptions {
  /** Node title, written as `title:`; defaults to one derived from the file name. */
  title?: string;
}

/** The `functions:` entry {@link createNode} appends to graph.yml. */
export interface NodeEntry {
  node_file: string;
  title?: string;
}

/** What {@link createNode} made. */
export interface CreatedNode {
  /** Absolute path of the new node file. */
  path: string;
  /** The entry appended to `functions:`. */
  entry: NodeEntry;
  /** The node id graph.yml will derive from the file name. */
  id: string;
  /** The node title (given, or derived from the file name). */
  title: string;
  /** Absolute path of runnel.d.ts when it was missing and has been written. */
  typesFile?: string;
}

/** What {@link createTable} made. */
export interface CreatedTable {
  /** The table name appended to `stores:`. */
  table: string;
  /** Absolute path of the graph.yml that was changed. */
  graphFile: string;
}

/**
 * Creates a new app in `dir` (which must not exist or be empty): graph.yml,
 * runnel.d.ts, README.md and .gitignore. Returns the absolute paths written.
 */
export async function createApp(
  dir: string,
  opts: CreateAppOptions = {},
): Promise<string[]> {
  const abs = resolve(dir);
  const name = basename(abs);
  const title = checkTitle(opts.title) ?? titleFromStem(name);
  const slug = slugify(name) || "app";
  let entries: string[] | undefined;
  try {
    if (!(await Deno.stat(abs)).isDirectory) {
      throw new UsageError(
        `Cannot create an app at ${abs}: a file with that name exists. Choose another directory name`,
      );
    }
    entries = [];
    for await (const e of Deno.readDir(abs)) entries.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (entries !== undefined && entries.length > 0) {
    throw new UsageError(
      `Cannot create an app in ${abs}: the directory is not empty (it holds ${
        entries.slice(0, 3).join(", ")
      }${
        entries.length > 3 ? ", …" : ""
      }). Choose a new directory name, or empty it first`,
    );
  }
  const files: [string, string][] = [
    [GRAPH_FILE, graphTemplate(title, slug)],
    [TYPES_FILE, RUNNEL_D_TS],
    ["README.md", readmeTemplate(title)],
    [".gitignore", GITIGNORE_TEMPLATE],
  ];
  const written: string[] = [];
  await fsOp(abs, () => Deno.mkdir(abs, { recursive: true }));
  for (const [file, text] of files) {
    const path = join(abs, file);
    await fsOp(path, () => Deno.writeTextFile(path, text, { createNew: true }));
    written.push(path);
  }
  return written;
}

/**
 * Creates a node file from a template and appends `- node_file: <file>`
 * (with `title:` when given) to `functions:` in graph.yml. `file` is
 * relative to the app directory and ends in `.ts`, `.js` or `.sql`.
 */
export async function createNode(
  appDir: string,
  file: string,
  opts: CreateNodeOptions = {},
): Promise<CreatedNode> {
  const app = resolve(appDir);
  const rel = checkNodeFile(file);
  const givenTitle = checkTitle(opts.title);
  const id = nodeIdFromFile(rel);
  const title = givenTitle ?? nodeTitleFromFile(rel);
  const g = await readGraph(app);

  checkClashes(topLevelList(g, "functions"), rel, id, title, givenTitle);

  const path = join(app, ...rel.split("/"));
  await checkNoSymlinkEscape(app, path, file);
  if (await exists(path)) {
    throw new UsageError(
      `${path} already exists. Choose another file name, or add the existing file to functions: in ${GRAPH_FILE} by hand`,
    );
  }
  const entry: NodeEntry = { node_file: rel };
  if (givenTitle !== undefined) entry.title = givenTitle;
  const newGraph = appendToList(g, "functions", { ...entry });

  const typesPath = join(app, TYPES_FILE);
  const depth = rel.split("/").length - 1;
  const importPath = (depth === 0 ? "./" : "../".repeat(depth)) + TYPES_FILE;
  const ext = extname(rel);
  const text = ext === ".sql"
    ? sqlNodeTemplate(title, rel)
    : ext === ".js"
    ? jsNodeTemplate(title, importPath)
    : tsNodeTemplate(title, importPath);

  const made: string[] = [];
  try {
    await fsOp(path, () => Deno.mkdir(dirname(path), { recursive: true }));
    await fsOp(path, () => Deno.writeTextFile(path, text, { createNew: true }));
    made.push(path);
    let typesFile: string | undefined;
    if (ext !== ".sql" && !(await exists(typesPath))) {
      await fsOp(
        typesPath,
        () => Deno.writeTextFile(typesPath, RUNNEL_D_TS, { createNew: true }),
      );
      made.push(typesPath);
      typesFile = typesPath;
    }
    await writeAtomic(g.file, newGraph);
    return { path, entry, id, title, typesFile };
  } catch (err) {
    for (const p of made) await Deno.remove(p).catch(() => {});
    throw err;
  }
}

/** Appends `- table: <name>` to `stores:` in graph.yml. */
export async function createTable(
  appDir: string,
  name: string,
): Promise<CreatedTable> {
  const app = resolve(appDir);
  checkTableName(name);
  const g = await readGraph(app);
  for (const s of topLevelList(g, "stores")) {
    const t = (s as Record<string, unknown> | null)?.table;
    if (typeof t === "string" && t.toLowerCase() === name.toLowerCase()) {
      throw new UsageError(
        `Table "${t}" is already in stores: in ${g.file}. Choose another name`,
      );
    }
  }
  await writeAtomic(g.file, appendToList(g, "stores", { table: name }));
  return { table: name, graphFile: g.file };
}

async function readGraph(app: string): Promise<GraphYaml> {
  const file = join(app, GRAPH_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new AppNotFoundError(
        `No ${GRAPH_FILE} in ${app}: pass the directory of an app, or create one with "runnel create app <dir>"`,
      );
    }
    throw new RunnelError(`Cannot read ${file}: ${errText(err)}`, {
      cause: err,
    });
  }
  return parseGraphYaml(text, file);
}

/** Replaces `path` with `text` via a temporary file and a rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  let mode: number | undefined;
  try {
    const m = (await Deno.stat(path)).mode;
    if (m !== null) mode = m & 0o777;
  } catch { /* new file: default mode */ }
  try {
    await Deno.writeTextFile(tmp, text, { createNew: true, mode });
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw new RunnelError(`Cannot write ${path}: ${errText(err)}`, {
      cause: err,
    });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (
      err instanceof Deno.errors.NotFound ||
      err instanceof Deno.errors.NotADirectory
    ) return false;
    throw err;
  }
}

/** Throws when the directory `path` would be written in lies outside the app through a symlink. */
async function checkNoSymlinkEscape(
  app: string,
  path: string,
  file: string,
): Promise<void> {
  let dir = dirname(path);
  while (!(await exists(dir))) {
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
  const real = await Deno.realPath(dir);
  const rel = relative(await Deno.realPath(app), real);
  if (rel === ".." || rel.startsWith(".." + sep) || isAbsolute(rel)) {
    throw new UsageError(
      `Node file "${file}" would be written to ${real}, outside the app directory (through a symlink): use a path inside the app`,
    );
  }
}

/** Runs a file-system step, turning OS errors into RunnelErrors that name the path. */
async function fsOp(path: string, op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (err) {
    if (err instanceof RunnelError) throw err;
    throw new RunnelError(`Cannot write ${path}: ${errText(err)}`, {
      cause: err,
    });
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
