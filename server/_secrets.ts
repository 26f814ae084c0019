/**
 * Parameter declarations as the dev server shows them, and the redaction
 * of secret values: parameters declared `secret: true` never appear in an
 * API response, an event or a log line the server hands out.
 *
 * @module
 */

import type { Graph, NodeSpec } from "../core/graph/graph.ts";
import {
  extractParameters,
  type ParameterDecl,
} from "../core/params/params.ts";
import { MASK, Redactor } from "../core/params/redact.ts";
import { sqlNodeParameters } from "../core/sql/node.ts";

/** Declarations of a node, read from its source; empty when it cannot be read. */
export async function nodeDecls(node: NodeSpec): Promise<ParameterDecl[]> {
  let source: string;
  try {
    source = await Deno.readTextFile(node.file);
  } catch {
    return [];
  }
  return declsOf(node, source);
}

/** Declarations found in `source` of `node` (TypeScript or SQL). */
export function declsOf(node: NodeSpec, source: string): ParameterDecl[] {
  if (node.kind === "ts") return extractParameters(source);
  try {
    return sqlNodeParameters(source, node.relFile);
  } catch {
    return [];
  }
}

/** One parameter as `GET /api/nodes/:id` shows it. */
export interface ParameterView {
  name: string;
  type: string;
  description?: string;
  secret: boolean;
  /** The declared default (masked when secret). */
  default?: unknown;
  /** The value set in graph.yml (masked when secret). */
  value?: unknown;
  /** Where the value used by a plain run comes from. */
  source: "graph.yml" | "default" | "missing";
}

/** Declarations plus graph.yml values, secrets masked. */
export function parameterViews(
  node: NodeSpec,
  decls: ParameterDecl[],
): ParameterView[] {
  return decls.map((d) => {
    const secret = d.secret === true;
    const v: ParameterView = {
      name: d.name,
      type: d.type,
      secret,
      source: "missing",
    };
    if (d.description !== undefined) v.description = d.description;
    if (d.default !== undefined) {
      v.default = secret ? MASK : d.default;
      v.source = "default";
    }
    if (Object.hasOwn(node.parameterValues, d.name)) {
      v.value = secret ? MASK : node.parameterValues[d.name];
      v.source = "graph.yml";
    }
    return v;
  });
}

/** Secret values the server knows of, and their redaction from text. */
export class Secrets extends Redactor {
  /** Learns the secret defaults and graph.yml values of every node of `graph`. */
  async learnGraph(graph: Graph): Promise<void> {
    for (const node of graph.nodes) {
      for (const d of await nodeDecls(node)) {
        if (d.secret !== true) continue;
        this.add(d.default, node.parameterValues[d.name]);
      }
    }
  }
}
