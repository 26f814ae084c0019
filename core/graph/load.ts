/**
 * Loads and validates `graph.yml` (the Patterns devkit format) into a
 * {@link Graph}. Every problem is collected with its file:line:col and
 * thrown together as one {@link GraphError}, so the user fixes them all in
 * one pass.
 *
 * @module
 */

import { basename, join, relative, resolve } from "node:path";
import YAML, {
  isMap,
  LineCounter,
  type Node,
  type YAMLError,
} from "npm:yaml@^2.8.0";
import { GraphError } from "../errors.ts";
import type { Graph } from "./graph.ts";
import { parseFunctions } from "./_load_functions.ts";
import { appPath, isInside, slugify } from "./_load_paths.ts";
import { parseStores, readOptionalString } from "./_load_stores.ts";
import { type Ctx, describe, entries, isNull, report } from "./_load_yaml.ts";
import { wire } from "./_load_wiring.ts";
import { assignStages, parseStages } from "./_load_stages.ts";
import { checkStageCycles } from "./_load_stage_cycles.ts";
import { fastParseDocument, type ParsedYaml } from "./fast_yaml/mod.ts";

/** The file-system calls the loader needs; swap it out in tests. */
export interface GraphFs {
  /** Reads a whole UTF-8 file; throws when it cannot. */
  readTextFile(path: string): string;
  /** What is at `path` (following symlinks), or undefined when nothing is. */
  stat(path: string): "file" | "dir" | undefined;
  /** `path` with symlinks and `..` resolved (returned unchanged when it cannot be resolved). */
  realPath(path: string): string;
  /**
   * What is at `path` itself, not following a final symlink: `link` for a
   * symlink. Optional; with it, a node file that is no symlink costs one
   * system call instead of three.
   */
  lstat?(path: string): "file" | "dir" | "link" | undefined;
}

/** {@link GraphFs} on the real file system (Deno APIs). */
export const denoGraphFs: GraphFs = {
  readTextFile: (path) => Deno.readTextFileSync(path),
  stat(path) {
    try {
      return Deno.statSync(path).isDirectory ? "dir" : "file";
    } catch (err) {
      if (
        err instanceof Deno.errors.NotFound ||
        err instanceof Deno.errors.NotADirectory
      ) {
        return undefined;
      }
      throw err;
    }
  },
  realPath(path) {
    try {
      return Deno.realPathSync(path);
    } catch {
      return path;
    }
  },
  lstat(path) {
    try {
      const info = Deno.lstatSync(path);
      return info.isSymlink ? "link" : info.isDirectory ? "dir" : "file";
    } catch (err) {
      if (
        err instanceof Deno.errors.NotFound ||
        err instanceof Deno.errors.NotADirectory
      ) {
        return undefined;
      }
      throw err;
    }
  },
};

/** YAML errors shown before the rest are summed up in one line. */
const MAX_YAML_ISSUES = 3;

const TOP_KEYS = [
  "title",
  "slug",
  "description_file",
  "stores",
  "functions",
  "stages",
] as const;

/**
 * Reads `<appDir>/graph.yml` and validates it.
 *
 * `displayFile` is how graph.yml is named in error locations; by default
 * the path relative to the working directory when it lies inside it, else
 * the absolute path.
 *
 * @throws {GraphError} with every issue found, including a missing graph.yml.
 */
export function loadGraph(
  appDir: string,
  opts: { displayFile?: string; fs?: GraphFs } = {},
): Promise<Graph> {
  // The executor turns anything thrown (GraphError or a file-system error) into a rejection.
  return new Promise((done) => done(loadGraphSync(appDir, opts)));
}

function loadGraphSync(
  appDir: string,
  opts: { displayFile?: string; fs?: GraphFs },
): Graph {
  const fs = opts.fs ?? denoGraphFs;
  const dir = resolve(appDir);
  const file = join(dir, "graph.yml");
  const displayFile = opts.displayFile ?? defaultDisplayFile(file);
  const fail = (message: string) =>
    new GraphError([{ message, loc: { file: displayFile, line: 1, col: 1 } }]);
  const kind = fs.stat(file);
  if (kind === undefined) {
    throw fail(
      `No graph.yml in ${dir}: create one (title:, stores:, functions:) or run Runnel from the app directory`,
    );
  }
  if (kind === "dir") {
    throw fail(`${file} is a directory: graph.yml must be a file`);
  }
  let text: string;
  try {
    text = fs.readTextFile(file);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw fail(`Cannot read ${file}: ${why}`);
  }
  return parseGraph(text, { dir, file, displayFile, fs });
}

function defaultDisplayFile(file: string): string {
  const cwd = Deno.cwd();
  return isInside(file, cwd) ? relative(cwd, file) : file;
}

/**
 * Parses and validates graph.yml text. `dir` is the app directory, `file`
 * the absolute path of graph.yml and `displayFile` its name in locations.
 *
 * `yamlParser` picks how the YAML is read: `"auto"` (the default) tries the
 * fast parser for plain graph files and falls back to npm:yaml for
 * anything else; `"slow"` always uses npm:yaml (tests compare the two).
 *
 * @throws {GraphError} with every issue found.
 */
export function parseGraph(
  text: string,
  opts: {
    dir: string;
    file: string;
    displayFile: string;
    fs?: GraphFs;
    yamlParser?: "auto" | "slow";
  },
): Graph {
  const fs = opts.fs ?? denoGraphFs;
  const dir = resolve(opts.dir);
  const { doc, lineCounter } = parseYaml(text, opts.yamlParser ?? "auto");
  const ctx: Ctx = {
    dir,
    realDir: fs.realPath(dir),
    file: resolve(opts.file),
    displayFile: opts.displayFile,
    fs,
    doc,
    lc: lineCounter,
    issues: [],
  };
  // After a syntax error the parser reports every later token too: those
  // follow from the first ones, so only the first few are shown.
  const yamlIssues = [...doc.errors, ...doc.warnings].sort((a, b) =>
    a.pos[0] - b.pos[0]
  );
  for (const e of yamlIssues.slice(0, MAX_YAML_ISSUES)) {
    report(ctx, e.pos[0], yamlMessage(e));
  }
  const more = yamlIssues.length - MAX_YAML_ISSUES;
  if (more > 0) {
    report(
      ctx,
      yamlIssues[MAX_YAML_ISSUES]!.pos[0],
      `Invalid YAML: ${more} more YAML error${
        more === 1 ? "" : "s"
      } from here on, most likely caused by the ones above: fix those first`,
    );
  }
  if (doc.errors.length > 0) throw failure(ctx);

  const root = doc.contents as Node | null;
  if (isNull(root)) {
    const onlyComments = text.trim() !== "" &&
      text.split(/\r?\n/).every((l) =>
        l.trim() === "" || l.trim().startsWith("#")
      );
    const what = text.trim() === ""
      ? "is empty"
      : onlyComments
      ? "contains only comments"
      : "has no content";
    report(
      ctx,
      0,
      `graph.yml ${what}: add at least a title: and a functions: list`,
    );
    throw failure(ctx);
  }
  if (!isMap(root)) {
    report(
      ctx,
      root,
      `graph.yml must be a mapping with keys like title: and functions:, not ${
        describe(root)
      }`,
    );
    throw failure(ctx);
  }

  const top = entries(ctx, root, "graph.yml", TOP_KEYS);
  const title =
    readOptionalString(ctx, top.get("title")?.value ?? null, "title") ??
      basename(dir);
  let slug = readOptionalString(ctx, top.get("slug")?.value ?? null, "slug");
  if (slug !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(slug)) {
    report(
      ctx,
      top.get("slug")?.value,
      `slug "${slug}" may only use lower-case letters, digits, - and _: e.g. ${
        slugify(slug)
      }`,
    );
    slug = undefined;
  }
  const descNode = top.get("description_file")?.value ?? null;
  const descText = readOptionalString(ctx, descNode, "description_file");
  const descriptionFile = descText === undefined
    ? undefined
    : appPath(ctx, descNode as Node, descText, "description_file", true)?.abs;

  const stores = parseStores(ctx, top.get("stores")?.value ?? null);
  const functions = parseFunctions(ctx, top.get("functions")?.value ?? null);
  const stageList = parseStages(ctx, top.get("stages")?.value ?? null);
  const wiring = wire(functions.nodes, functions.webhooks, stores, ctx.issues);
  const staged = assignStages(
    ctx,
    stageList,
    wiring.nodes,
    functions.webhooks,
  );
  // A loop between nodes is already reported; the stages around it would only repeat it.
  if (wiring.acyclic) {
    checkStageCycles(wiring.nodes, staged.memberLoc, ctx.issues);
  }
  if (ctx.issues.length > 0) throw failure(ctx);
  return {
    dir,
    file: ctx.file,
    title,
    slug: slug ?? slugify(title),
    ...(descriptionFile !== undefined ? { descriptionFile } : {}),
    stores,
    nodes: wiring.nodes,
    webhooks: functions.webhooks.map((w) => w.spec),
    stages: staged.stages,
    producers: wiring.producers,
  };
}

/** The YAML document of graph.yml text, by the fast path when it applies. */
function parseYaml(text: string, mode: "auto" | "slow"): ParsedYaml {
  const fast = mode === "auto" ? fastParseDocument(text) : undefined;
  if (fast !== undefined) return fast;
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
  });
  return { doc, lineCounter };
}

function yamlMessage(e: YAMLError): string {
  if (e.code === "MULTIPLE_DOCS") {
    return "graph.yml must hold a single YAML document: remove the extra --- separator";
  }
  if (e.code === "TAB_AS_INDENT") {
    return "Invalid YAML: tabs are not allowed as indentation: indent with spaces";
  }
  return `Invalid YAML: ${e.message}`;
}

function failure(ctx: Ctx): GraphError {
  const issues = [...ctx.issues].sort((a, b) =>
    a.loc.line - b.loc.line || a.loc.col - b.loc.col
  );
  return new GraphError(issues);
}
