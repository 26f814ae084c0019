/**
 * Paths and names for the graph.yml loader: keeping files inside the app
 * directory, and deriving ids, titles and slugs.
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
import type { Node } from "npm:yaml@^2.8.0";
import { type Ctx, report } from "./_load_yaml.ts";

/** Names of ports, tables, parameters and environment variables. */
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `child` is `parent` or lies below it. */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" ||
    (rel !== ".." && !rel.startsWith(".." + sep) && !isAbsolute(rel));
}

/** A path from graph.yml, resolved. */
export interface AppPath {
  abs: string;
  /** Relative to the app directory, `/`-separated. */
  rel: string;
}

/**
 * Resolves `text` (written at `node`) against the app directory. Reports and
 * returns undefined when it is absolute, leaves the app directory (also via
 * symlinks), or — with `mustBeFile` — is not an existing file.
 */
export function appPath(
  ctx: Ctx,
  node: Node,
  text: string,
  what: string,
  mustBeFile: boolean,
): AppPath | undefined {
  if (isAbsolute(text) || /^[A-Za-z]:[\\/]/.test(text)) {
    report(
      ctx,
      node,
      `${what} "${text}" is an absolute path: write it relative to the app directory (${ctx.dir})`,
    );
    return undefined;
  }
  const abs = resolve(ctx.dir, text);
  if (!isInside(abs, ctx.dir)) {
    report(
      ctx,
      node,
      `${what} "${text}" is outside the app directory (${ctx.dir}): move it inside and use a path relative to the app directory`,
    );
    return undefined;
  }
  const rel = relative(ctx.dir, abs).split(sep).join("/") || ".";
  if (mustBeFile) {
    const own = ctx.fs.lstat?.(abs);
    if (own === "file") {
      // Not a symlink itself: its real path is its directory's, which is
      // resolved once per directory.
      const real = join(realDirOf(ctx, dirname(abs)), basename(abs));
      if (isInside(real, ctx.realDir)) return { abs, rel };
    }
    const kind = own === "dir" ? "dir" : ctx.fs.stat(abs);
    if (kind === undefined) {
      report(
        ctx,
        node,
        `${what} "${text}" does not exist (looked for ${abs}): create it or fix the path`,
      );
      return undefined;
    }
    if (kind === "dir") {
      report(
        ctx,
        node,
        `${what} "${text}" is a directory, not a file: point it at a file`,
      );
      return undefined;
    }
  }
  const real = realPathOfNearest(ctx, abs);
  if (!isInside(real, ctx.realDir)) {
    report(
      ctx,
      node,
      `${what} "${text}" resolves to ${real} through a symlink, which is outside the app directory: copy the file into the app directory instead`,
    );
    return undefined;
  }
  return { abs, rel };
}

const realDirs = new WeakMap<Ctx, Map<string, string>>();

/** realPath of directory `dir`, cached for the load. */
function realDirOf(ctx: Ctx, dir: string): string {
  let cache = realDirs.get(ctx);
  if (cache === undefined) realDirs.set(ctx, cache = new Map());
  let real = cache.get(dir);
  if (real === undefined) cache.set(dir, real = ctx.fs.realPath(dir));
  return real;
}

/** realPath of `abs`, or of its nearest existing ancestor with the rest appended. */
function realPathOfNearest(ctx: Ctx, abs: string): string {
  let existing = abs;
  const rest: string[] = [];
  while (ctx.fs.stat(existing) === undefined) {
    const parent = dirname(existing);
    if (parent === existing) return abs;
    rest.unshift(basename(existing));
    existing = parent;
  }
  return join(ctx.fs.realPath(existing), ...rest);
}

/** File name without directory and extension: `nodes/score_leads.ts` → `score_leads`. */
export function stemOf(path: string): string {
  const base = basename(path.replaceAll("\\", "/"));
  return base.slice(0, base.length - extname(base).length) || base;
}

/** Id derived from a file stem: lower case, only `[a-z0-9_-]`. */
export function idFromStem(stem: string): string {
  const id = stem.toLowerCase().replace(/[^a-z0-9_-]+/g, "_").replace(
    /^_+|_+$/g,
    "",
  );
  return id || "node";
}

/** Title derived from a file stem: `score_leads` → `Score Leads`. */
export function titleFromStem(stem: string): string {
  return stem
    .split(/[\s_-]+/)
    .filter((w) => w !== "")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ") || stem;
}

/** Slug derived from a title or directory name: lower case, non-alphanumerics → `-`. */
export function slugify(text: string): string {
  const ascii = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  const slug = ascii.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return slug.replace(/^-+|-+$/g, "") || "app";
}
