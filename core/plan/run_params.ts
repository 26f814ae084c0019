/**
 * Resolves the parameter values of every node in a run, before anything
 * starts: `--param` values (for every node declaring the name, or targeted
 * with `"Node Title.name=value"`), then graph.yml, then defaults. Missing or
 * ill-typed values are reported together, naming node, parameter and fix.
 *
 * @module
 */

import { formatLocation, NodeContractError, UsageError } from "../errors.ts";
import { findNode, type NodeSpec } from "../graph/graph.ts";
import { sqlNodeParameters } from "../sql/node.ts";
import {
  type CliParam,
  coerceParameter,
  extractParameters,
  type ParameterDecl,
} from "../params/params.ts";

/** Parameter values for one node, as handed to its worker. */
export interface NodeParams {
  /** Raw values (CLI string or graph.yml value); the worker coerces them by declared type. */
  values: Record<string, unknown>;
  /** Names declared `secret: true`. */
  secret: string[];
  /** Declarations found in the code. */
  decls: ParameterDecl[];
  /** Every value after coercion by its declared type, defaults included (for cache keys). */
  coerced: Record<string, unknown>;
}

/** Reads a node's source text; a seam for tests. */
export type ReadSource = (node: NodeSpec) => Promise<string>;

/** Finds a node's parameter declarations in its source (TypeScript or SQL). */
export type DeclareParams = (node: NodeSpec, source: string) => ParameterDecl[];

const defaultDeclare: DeclareParams = (node, source) => {
  if (node.kind === "ts") return extractParameters(source);
  try {
    return sqlNodeParameters(source, node.relFile);
  } catch {
    return []; // a broken template fails its own node when it executes
  }
};

/** Resolves and validates parameters for `nodes`. Throws UsageError / NodeContractError listing every problem. */
export async function resolveRunParams(
  all: NodeSpec[],
  nodes: NodeSpec[],
  cli: CliParam[],
  readSource: ReadSource = (n) => Deno.readTextFile(n.file),
  declare: DeclareParams = defaultDeclare,
): Promise<Map<string, NodeParams>> {
  const decls = new Map<string, ParameterDecl[]>();
  for (const node of all) {
    decls.set(node.id, declare(node, await readSource(node)));
  }
  const usage: string[] = [];
  for (const p of cli) {
    if (p.node !== undefined) {
      const target = findNode({ nodes: all }, p.node);
      if (!target) {
        usage.push(
          `--param "${p.node}.${p.name}": no node is titled or named "${p.node}" (nodes: ${
            all.map((n) => `"${n.title}"`).join(", ")
          })`,
        );
      } else if (!declares(target, decls, p.name)) {
        usage.push(
          `--param "${p.node}.${p.name}": node "${target.title}" declares no parameter "${p.name}"${
            listDecls(decls.get(target.id))
          }`,
        );
      }
    } else if (!all.some((n) => declares(n, decls, p.name))) {
      usage.push(
        `--param ${p.name}: no node declares a parameter "${p.name}"`,
      );
    }
  }
  if (usage.length > 0) throw new UsageError(usage.join("\n"));

  const problems: string[] = [];
  const out = new Map<string, NodeParams>();
  for (const node of nodes) {
    const nodeDecls = decls.get(node.id) ?? [];
    const values: Record<string, unknown> = { ...node.parameterValues };
    const from: Record<string, string> = {};
    for (const k of Object.keys(values)) {
      const loc = node.keyLocs[`parameters.${k}`] ?? node.loc;
      from[k] = `graph.yml (${formatLocation(loc)})`;
    }
    for (const p of cli) {
      if (p.node !== undefined) {
        if (findNode({ nodes: [node] }, p.node) !== node) continue;
      } else if (!declares(node, decls, p.name)) {
        continue; // an untargeted --param goes only to nodes that declare it
      }
      values[p.name] = p.value;
      from[p.name] = `--param ${p.node ? `"${p.node}.${p.name}"` : p.name}`;
    }
    const coerced: Record<string, unknown> = { ...values };
    for (const d of nodeDecls) {
      const v = values[d.name] ?? d.default;
      if (v === undefined) {
        problems.push(
          `Node "${node.title}" needs parameter "${d.name}" (${d.type}), which has no default: pass --param ${d.name}=<value> or set it under parameters: of the function in graph.yml (${
            formatLocation(node.loc)
          })`,
        );
        continue;
      }
      try {
        coerced[d.name] = coerceParameter(d.type, v);
      } catch (err) {
        const shown = d.secret
          ? "the value given is not valid"
          : (err as Error).message;
        problems.push(
          `Node "${node.title}": parameter "${d.name}" must be ${d.type}, from ${
            from[d.name] ?? "its default"
          }: ${shown}`,
        );
      }
    }
    out.set(node.id, {
      values,
      secret: nodeDecls.filter((d) => d.secret).map((d) => d.name),
      decls: nodeDecls,
      coerced,
    });
  }
  if (problems.length > 0) throw new NodeContractError(problems.join("\n"));
  return out;
}

function declares(
  node: NodeSpec,
  decls: Map<string, ParameterDecl[]>,
  name: string,
): boolean {
  return (decls.get(node.id) ?? []).some((d) => d.name === name) ||
    Object.hasOwn(node.parameterValues, name);
}

function listDecls(d: ParameterDecl[] | undefined): string {
  return d && d.length > 0
    ? ` (it declares ${d.map((x) => x.name).join(", ")})`
    : "";
}
