/**
 * `GET /api/graph` and `GET /api/nodes/:id`.
 *
 * @module
 */

import { relative } from "node:path";
import type { Hono } from "npm:hono@^4.6.0";
import type { GraphError } from "../../core/errors.ts";
import { findNode, type Graph, type NodeSpec } from "../../core/graph/graph.ts";
import type { NodeRunRecord, TableInfo } from "../../stores/store.ts";
import type { ServerContext } from "../_context.ts";
import { iso, sendError, sendJson } from "../_json.ts";
import { nodeDecls, parameterViews, type Secrets } from "../_secrets.ts";

/** Largest node file shown in full. */
const MAX_CODE = 1_000_000;
/** How many recent runs of a node `GET /api/nodes/:id` lists. */
const NODE_RUNS = 20;

/** A node-run record as the API shows it (secrets redacted). */
export function nodeRunView(r: NodeRunRecord, secrets: Secrets) {
  return {
    runId: r.runId,
    nodeId: r.nodeId,
    title: r.title,
    file: r.file,
    status: r.status,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    durationMs: r.durationMs,
    rowsWritten: r.rowsWritten,
    reason: secrets.redactOpt(r.reason),
    error: secrets.redactOpt(r.error),
  };
}

function nodeView(
  n: NodeSpec,
  last: NodeRunRecord | undefined,
  next: Date | undefined,
  secrets: Secrets,
) {
  return {
    id: n.id,
    title: n.title,
    file: n.relFile,
    kind: n.kind,
    stage: n.stage ?? null,
    inputs: n.inputs,
    outputs: n.outputs,
    trigger: n.trigger.kind === "cron" ? n.trigger.expr : "manual",
    nextRun: iso(next) ?? null,
    status: last?.status ?? "never",
    last: last ? nodeRunView(last, secrets) : null,
  };
}

/** The `GET /api/graph` body of an invalid graph.yml. */
export function invalidGraphView(error: GraphError) {
  return {
    valid: false,
    error: {
      message: "graph.yml is invalid",
      issues: error.issues.map((i) => ({
        message: i.message,
        file: i.loc.file,
        line: i.loc.line,
        col: i.loc.col,
      })),
    },
  };
}

/** The `GET /api/graph` body of a valid graph. */
export async function graphView(ctx: ServerContext, graph: Graph) {
  const last = await ctx.lastStatus.get(graph.nodes.map((n) => n.id));
  const next = ctx.nextRuns();
  const infos = new Map<string, TableInfo>(
    (await ctx.store.listTables()).map((t) => [t.name, t]),
  );
  const names = new Set<string>(graph.stores.map((s) => s.table));
  const edges: { from: string; to: string; port?: string }[] = [];
  const consumers = new Map<string, string[]>();
  for (const n of graph.nodes) {
    for (const [port, t] of Object.entries(n.inputs)) {
      names.add(t);
      edges.push({ from: `table:${t}`, to: `node:${n.id}`, port });
      consumers.set(t, [...(consumers.get(t) ?? []), n.id]);
    }
    for (const [port, t] of Object.entries(n.outputs)) {
      names.add(t);
      edges.push({ from: `node:${n.id}`, to: `table:${t}`, port });
    }
  }
  for (const w of graph.webhooks) {
    names.add(w.table);
    edges.push({ from: `webhook:${w.id}`, to: `table:${w.table}` });
  }
  const tables = [...names].sort().map((name) => {
    const producer = graph.producers.get(name);
    const hook = graph.webhooks.find((w) => w.table === name);
    const info = infos.get(name);
    return {
      name,
      producer: producer !== undefined
        ? { kind: "node", id: producer }
        : hook !== undefined
        ? { kind: "webhook", id: hook.id }
        : null,
      consumers: [...new Set(consumers.get(name) ?? [])],
      declared: graph.stores.some((s) => s.table === name),
      exists: info !== undefined,
      rowCount: info?.rowCount ?? null,
      version: info?.version ?? null,
      updatedAt: iso(info?.updatedAt) ?? null,
    };
  });
  return {
    valid: true,
    title: graph.title,
    slug: graph.slug,
    file: "graph.yml",
    nodes: graph.nodes.map((n) =>
      nodeView(n, last.get(n.id), next.get(n.id), ctx.secrets)
    ),
    tables,
    edges,
    webhooks: graph.webhooks.map((w) => ({
      id: w.id,
      table: w.table,
      path: `/webhooks/${encodeURIComponent(w.table)}`,
    })),
    stages: graph.stages.map((s) => ({ name: s.name, nodes: s.nodes })),
    activeRun: ctx.runs.active ?? null,
  };
}

async function readCode(file: string): Promise<string> {
  try {
    const text = await Deno.readTextFile(file);
    return text.length > MAX_CODE
      ? text.slice(0, MAX_CODE) + "\n… (cut: the file is larger than 1 MB)"
      : text;
  } catch (err) {
    return `(cannot read ${file}: ${(err as Error).message})`;
  }
}

async function recentRuns(
  ctx: ServerContext,
  nodeId: string,
): Promise<NodeRunRecord[]> {
  const out: NodeRunRecord[] = [];
  for (const run of await ctx.store.listRuns(100)) {
    const rec = (await ctx.store.listNodeRuns(run.id)).find((r) =>
      r.nodeId === nodeId
    );
    if (rec !== undefined) out.push(rec);
    if (out.length >= NODE_RUNS) break;
  }
  return out;
}

/** Registers the graph and node routes. */
export function graphRoutes(app: Hono, ctx: ServerContext): void {
  app.get("/api/graph", async (c) => {
    const g = ctx.graphs.graph;
    if (g === undefined) {
      const err = ctx.graphs.error;
      if (err !== undefined) return sendJson(c, invalidGraphView(err));
      return sendError(c, 503, "The graph is still loading; try again");
    }
    return sendJson(c, await graphView(ctx, g));
  });

  app.get("/api/nodes/:id", async (c) => {
    const graph = ctx.graphs.graph ?? ctx.graphs.lastGood;
    if (graph === undefined) {
      return sendError(
        c,
        409,
        "graph.yml is invalid: fix the errors shown by GET /api/graph first",
      );
    }
    const id = c.req.param("id");
    const node = graph.nodes.find((n) => n.id === id) ?? findNode(graph, id);
    if (node === undefined) {
      return sendError(
        c,
        404,
        `No node "${id}" in graph.yml (nodes: ${
          graph.nodes.map((n) => n.id).join(", ") || "none"
        })`,
      );
    }
    const s = ctx.secrets;
    const runs = await recentRuns(ctx, node.id);
    const latest = runs[0];
    const logs = latest === undefined
      ? []
      : await ctx.store.listLogs(latest.runId, node.id);
    return sendJson(c, {
      node: nodeView(node, latest, ctx.nextRuns().get(node.id), s),
      code: s.redact(await readCode(node.file)),
      ports: { inputs: node.inputs, outputs: node.outputs },
      parameters: parameterViews(node, await nodeDecls(node)),
      permissions: {
        net: node.permissions.net,
        env: node.permissions.env,
        read: node.permissions.read.map((p) => relative(graph.dir, p) || "."),
        write: node.permissions.write.map((p) => relative(graph.dir, p) || "."),
      },
      timeoutMs: node.timeoutMs,
      runs: runs.map((r) => nodeRunView(r, s)),
      reason: s.redactOpt(latest?.reason) ?? null,
      logs: logs.map((l) => ({
        runId: l.runId,
        nodeId: l.nodeId,
        ts: l.ts.toISOString(),
        level: l.level,
        message: s.redact(l.message),
      })),
    });
  });
}
