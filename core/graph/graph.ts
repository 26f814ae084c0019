/**
 * The validated graph model: what graph.yml says once parsed, checked and
 * resolved. Everything downstream (runner, planner, CLI, server) works on
 * these types, never on raw YAML.
 *
 * @module
 */

import type { SourceLocation } from "../errors.ts";

/** How a node is started. Cron triggers are validated and stored; `runnel serve` schedules them. */
export type Trigger = { kind: "manual" } | { kind: "cron"; expr: string };

/** The kind of code a node file holds, from its extension. */
export type NodeKind = "ts" | "sql";

/** Capabilities granted to a node's worker. Everything not listed is denied. */
export interface Permissions {
  /** `host` or `host:port` entries. */
  net: string[];
  /** Absolute paths inside the app directory. */
  read: string[];
  /** Absolute paths inside the app directory. */
  write: string[];
  /** Environment variable names. */
  env: string[];
}

/** One `stores:` entry. */
export interface StoreTableSpec {
  table: string;
  id?: string;
  /** Name of a schema (Patterns `schema:`); kept for documentation and later checks. */
  schema?: string;
  loc: SourceLocation;
}

/** One `functions:` entry that runs code. */
export interface NodeSpec {
  /** Stable id: `id:` from graph.yml, else derived from the file name (`score_leads`). */
  id: string;
  /** Human title: `title:` from graph.yml, else derived from the file name (`Score Leads`). */
  title: string;
  /** Absolute path of the node file. */
  file: string;
  /** Path relative to the app directory, with `/` separators (as written in graph.yml). */
  relFile: string;
  kind: NodeKind;
  trigger: Trigger;
  /** Port name used in code → store table name. */
  inputs: Record<string, string>;
  /** Port name used in code → store table name. */
  outputs: Record<string, string>;
  /** Values from `parameter_values:` / `parameters:` in graph.yml. */
  parameterValues: Record<string, unknown>;
  permissions: Permissions;
  /** Bumping it forces the node to rerun (planner). */
  version?: string;
  /** Wall-clock limit for one execution, in milliseconds. */
  timeoutMs: number;
  /**
   * Heap limit in MiB (`memory:`) of the node's sandbox process: the node
   * fails when it needs more. None: the run's default (`--memory`).
   */
  memoryMb?: number;
  /** `isolate: true`: a fresh worker of its own, never shared with other nodes. */
  isolate?: boolean;
  /** Absolute path of the description file, if any. */
  descriptionFile?: string;
  /** Name of the stage the node belongs to (`stage:` or a `stages:` entry); none means its own. */
  stage?: string;
  /** `cache: true` lets a volatile node (one with `net` access) be cached like any other. */
  cache?: boolean;
  /** Location of the function entry in graph.yml. */
  loc: SourceLocation;
  /** Locations of individual keys, e.g. `inputs.raw_leads`, `outputs.scored`, `node_file`. */
  keyLocs: Record<string, SourceLocation>;
}

/** One `functions:` entry of the form `{ webhook: <table> }`. */
export interface WebhookSpec {
  table: string;
  id: string;
  loc: SourceLocation;
}

/** A group of nodes whose outputs are published together, or not at all. */
export interface StageSpec {
  name: string;
  /** Node ids, in topological order. */
  nodes: string[];
  loc: SourceLocation;
}

/** A whole validated app. */
export interface Graph {
  /** Absolute path of the app directory. */
  dir: string;
  /** Absolute path of graph.yml. */
  file: string;
  title: string;
  slug: string;
  descriptionFile?: string;
  stores: StoreTableSpec[];
  /** Nodes in topological order (producers before consumers; ties keep file order). */
  nodes: NodeSpec[];
  webhooks: WebhookSpec[];
  /** Declared stages (from `stages:` and `stage:` keys), in order of first appearance. */
  stages: StageSpec[];
  /** Table name → id of the node that writes it. */
  producers: Map<string, string>;
}

/** Default node timeout: 10 minutes. */
export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

/** Tables a node reads (deduplicated, in port order). */
export function inputTables(node: NodeSpec): string[] {
  return [...new Set(Object.values(node.inputs))];
}

/** Tables a node writes (deduplicated, in port order). */
export function outputTables(node: NodeSpec): string[] {
  return [...new Set(Object.values(node.outputs))];
}

/** Ids of the nodes whose outputs `node` reads. */
export function upstreamOf(graph: Graph, node: NodeSpec): string[] {
  const ids = new Set<string>();
  for (const t of inputTables(node)) {
    const p = graph.producers.get(t);
    if (p !== undefined && p !== node.id) ids.add(p);
  }
  return [...ids];
}

/** Finds a node by id, title or file (relative path or stem); case-sensitive on ids. */
export function findNode(
  graph: Pick<Graph, "nodes">,
  ref: string,
): NodeSpec | undefined {
  return graph.nodes.find((n) =>
    n.id === ref || n.title === ref || n.relFile === ref ||
    n.relFile.replace(/\.[^.]+$/, "") === ref
  ) ?? graph.nodes.find((n) => n.title.toLowerCase() === ref.toLowerCase());
}
