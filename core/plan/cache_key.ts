/**
 * Content-addressed cache keys. A node's key is a hash over named
 * components, each of which can be compared on its own to explain a
 * decision:
 *
 * - `code:<file>`: every local module the node imports, transitively;
 * - `sql`: a SQL node's normalised template (whitespace and comments do not count);
 * - `entry`: its graph.yml entry (kind, ports, permissions, timeout, stage);
 * - `version`: its `version:` value, in clear;
 * - `param:<name>`: each resolved parameter value (hashed: secrets never appear in clear);
 * - `file:<path>`: the content of every file its `read` permission grants;
 * - `input:<table>`: the content version of each input table.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import type { NodeSpec } from "../graph/graph.ts";
import { localModuleGraph } from "./module_graph.ts";
import { stableJson } from "./_stable_json.ts";

/** Component name → hash (or, for `version` and `input:*`, the value itself). */
export type Components = Record<string, string>;

/** Hex SHA-256 of text or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Reads and hashes files once per run, however many nodes share them.
 * Reads are synchronous: a run touches each file once and waits for it
 * anyway, and thousands of small awaits cost more than they save.
 */
export class FileHasher {
  readonly #hashes = new Map<string, string>();
  readonly #texts = new Map<string, string>();

  /** Hash of a file's bytes, or `missing`. */
  file(path: string): Promise<string> {
    let h = this.#hashes.get(path);
    if (h === undefined) {
      const text = this.#texts.get(path);
      try {
        h = sha256(text ?? Deno.readFileSync(path));
      } catch {
        h = "missing";
      }
      this.#hashes.set(path, h);
    }
    return Promise.resolve(h);
  }

  /** Text of a file, read once. */
  text(path: string): Promise<string> {
    let t = this.#texts.get(path);
    if (t === undefined) {
      try {
        t = Deno.readTextFileSync(path);
      } catch (err) {
        return Promise.reject(err);
      }
      this.#texts.set(path, t);
    }
    return Promise.resolve(t);
  }
}

export { stableJson } from "./_stable_json.ts";

/** Options of {@link staticComponents}. */
export interface StaticKeyInput {
  node: NodeSpec;
  /** App directory, for relative names. */
  dir: string;
  /** Parameter values as the node will see them (after coercion). */
  params: Record<string, unknown>;
  /** A SQL node's normalised template (from the SQL template module). */
  normalizedSql?: string;
  hasher: FileHasher;
}

/** Every component that does not depend on input tables. */
export async function staticComponents(
  input: StaticKeyInput,
): Promise<Components> {
  const { node, dir, hasher } = input;
  const c: Components = {};
  if (node.kind === "sql") {
    c.sql = sha256(input.normalizedSql ?? "");
  } else {
    const graph = await localModuleGraph(node.file, (p) => hasher.text(p));
    for (const f of graph.files) {
      c[`code:${relative(dir, f)}`] = await hasher.file(f);
    }
    for (const ext of graph.external) c[`import:${ext}`] = "external";
  }
  const p = node.permissions;
  c.entry = sha256(stableJson({
    kind: node.kind,
    inputs: node.inputs,
    outputs: node.outputs,
    permissions: {
      net: [...p.net].sort(),
      read: p.read.map((x) => relative(dir, x)).sort(),
      write: p.write.map((x) => relative(dir, x)).sort(),
      env: [...p.env].sort(),
    },
    timeoutMs: node.timeoutMs,
    stage: node.stage ?? null,
    cache: node.cache ?? null,
  }));
  if (node.version !== undefined) c.version = node.version;
  for (const [name, value] of Object.entries(input.params)) {
    c[`param:${name}`] = sha256(stableJson(value) ?? "undefined");
  }
  for (const path of p.read) {
    for (const f of await listFiles(path)) {
      c[`file:${relative(dir, f)}`] = await hasher.file(f);
    }
  }
  return c;
}

async function listFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await Deno.stat(path);
  } catch {
    return [path]; // hashes as "missing"; appears once it exists
  }
  if (!info.isDirectory) return [path];
  const out: string[] = [];
  for await (const e of Deno.readDir(path)) {
    out.push(...await listFiles(join(path, e.name)));
  }
  return out.sort();
}

/** The `input:<table>` components from current content versions. */
export function inputComponents(
  tables: string[],
  versions: Record<string, string | undefined>,
): Components {
  const c: Components = {};
  for (const t of tables) c[`input:${t}`] = versions[t] ?? "absent";
  return c;
}

/** The key: a hash over all components, independent of their order. */
export function keyOf(components: Components): string {
  return sha256(stableJson(components));
}
