/**
 * Finds the local modules a node file imports, transitively.
 *
 * The sandbox grants a node's worker read access to exactly these files (a
 * worker with no read permission cannot import its own code), and the
 * planner hashes them so that editing a helper invalidates every node that
 * imports it.
 *
 * The scanner is lexical: it skips comments and strings, then reads the
 * specifiers of static `import`/`export … from` statements and of
 * `import("…")` calls with a literal argument. Type-only imports
 * (`import type …`) are erased before run time and are not followed.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { fromFileUrl, isAbsolute } from "../path.ts";

/** The result of scanning one entry file. */
export interface ModuleGraph {
  /** Absolute paths of the entry and every local module it reaches, sorted. */
  files: string[];
  /** Non-local specifiers (`npm:`, `https:`, …) found anywhere in the graph, sorted. */
  external: string[];
  /** Local specifiers that point at files that do not exist: `[importer, specifier]`. */
  missing: [string, string][];
}

/** File reading seam; defaults to Deno. */
export type ReadText = (path: string) => Promise<string>;

/** Scans `entry` and its local imports. */
export async function localModuleGraph(
  entry: string,
  readText: ReadText = (p) => Deno.readTextFile(p),
): Promise<ModuleGraph> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const missing: [string, string][] = [];
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    let text: string;
    try {
      text = await readText(file);
    } catch {
      if (file !== resolve(entry)) continue;
      throw new Error(`Cannot read node file ${file}`);
    }
    seen.add(file);
    for (const spec of importSpecifiers(text)) {
      const local = resolveLocal(file, spec);
      if (local === undefined) {
        external.add(spec);
        continue;
      }
      try {
        await readText(local);
        queue.push(local);
      } catch {
        missing.push([file, spec]);
      }
    }
  }
  return {
    files: [...seen].sort(),
    external: [...external].sort(),
    missing,
  };
}

function resolveLocal(importer: string, spec: string): string | undefined {
  if (spec.startsWith("./") || spec.startsWith("../")) {
    return resolve(dirname(importer), spec);
  }
  if (spec.startsWith("file:")) return fromFileUrl(spec);
  if (isAbsolute(spec)) return spec;
  return undefined;
}

/** Returns the module specifiers imported by `source` (runtime imports only). */
export function importSpecifiers(source: string): string[] {
  const code = stripCommentsAndStrings(source);
  const specs: string[] = [];
  const push = (index: string | undefined) => {
    const lit = code.strings[Number(index)];
    if (lit !== undefined) specs.push(lit);
  };
  // `import "x"` (side effects only).
  const bare = /(?:^|[^\w$.])import\s*(["'])\uE000(\d+)\uE000\1/g;
  for (const m of code.text.matchAll(bare)) push(m[2]);
  // `import … from "x"` and `export … from "x"`, except type-only ones.
  const from =
    /(?:^|[^\w$.])(?:import|export)(\s+type\b)?[^;'"`()=]*?\bfrom\s*(["'])\uE000(\d+)\uE000\2/g;
  for (const m of code.text.matchAll(from)) {
    if (m[1] === undefined) push(m[3]);
  }
  const dyn = /(?:^|[^\w$.])import\s*\(\s*(["'])\uE000(\d+)\uE000\1\s*[,)]/g;
  for (const m of code.text.matchAll(dyn)) push(m[2]);
  return [...new Set(specs)];
}

/**
 * Lexes `src`: replaces comments with spaces and every string literal with a numbered
 * placeholder (`"\0N\0"`), so that the import regexes never match inside
 * strings or comments. Template literals are blanked entirely.
 */
export function stripCommentsAndStrings(
  src: string,
): { text: string; strings: string[] } {
  const strings: string[] = [];
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === "/" && n === "/") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && n === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end === -1 ? src.length : end + 2;
      out += " ";
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = "";
      while (j < src.length && src[j] !== c && src[j] !== "\n") {
        if (src[j] === "\\") {
          value += src[j + 1] ?? "";
          j += 2;
          continue;
        }
        value += src[j];
        j++;
      }
      strings.push(value);
      out += `${c}\uE000${strings.length - 1}\uE000${c}`;
      i = j + 1;
      continue;
    }
    if (c === "`") {
      let j = i + 1;
      let depth = 0;
      while (j < src.length) {
        if (src[j] === "\\") {
          j += 2;
          continue;
        }
        if (depth === 0 && src[j] === "`") break;
        if (src[j] === "$" && src[j + 1] === "{") depth++;
        else if (src[j] === "}" && depth > 0) depth--;
        j++;
      }
      out += "``";
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return { text: out, strings };
}
