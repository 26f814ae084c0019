/**
 * `GET /api/runs`, `GET /api/runs/:id`, `POST /api/runs` and
 * `GET /api/events`.
 *
 * @module
 */

import type { Context, Hono } from "npm:hono@^4.6.0";
import {
  NodeContractError,
  NotFoundError,
  UsageError,
} from "../../core/errors.ts";
import type { CliParam } from "../../core/params/params.ts";
import type {
  LogRecord,
  NodeStatusCounts,
  RunRecord,
} from "../../stores/store.ts";
import type { ServerContext } from "../_context.ts";
import { iso, sendError, sendJson } from "../_json.ts";
import { nodeRunView } from "./graph.ts";
import { pageOf } from "./tables.ts";
import type { Secrets } from "../_secrets.ts";
import { GraphUnavailableError, RunBusyError } from "../_runs.ts";

const MAX_RUNS = 1000;
const DEFAULT_RUNS = 50;
/** Largest `POST /api/runs` body. */
const MAX_RUN_BODY = 1_000_000;

function runView(
  r: RunRecord,
  ctx: ServerContext,
  nodes?: NodeStatusCounts,
) {
  return {
    id: r.id,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    finishedAt: iso(r.finishedAt) ?? null,
    durationMs: r.finishedAt
      ? r.finishedAt.getTime() - r.startedAt.getTime()
      : null,
    trigger: r.trigger,
    selection: r.selection,
    params: Object.fromEntries(
      Object.entries(r.params).map(([k, v]) => [k, ctx.secrets.redact(v)]),
    ),
    ...(nodes !== undefined ? { nodes } : {}),
  };
}

/** The stored run with id (or unique id prefix) `id`; a message when the prefix is ambiguous. */
async function findRun(
  ctx: ServerContext,
  id: string,
): Promise<RunRecord | undefined | string> {
  try {
    return await ctx.store.getRun(id);
  } catch (err) {
    if (err instanceof NotFoundError) return err.message;
    throw err;
  }
}

/** A parsed `POST /api/runs` body, or what is wrong with it. */
export type RunBody =
  | { ok: true; nodes: string[]; params: CliParam[]; force: boolean }
  | { ok: false; error: string };

function paramValue(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return JSON.stringify(v);
  return undefined;
}

/**
 * Checks a `POST /api/runs` body: `{ nodes?: string[], params?: { name or
 * "Node Title.name": value }, force?: boolean }`.
 */
export function parseRunBody(body: unknown): RunBody {
  const bad = (error: string): RunBody => ({ ok: false, error });
  if (body === undefined || body === null) {
    return { ok: true, nodes: [], params: [], force: false };
  }
  if (typeof body !== "object" || Array.isArray(body)) {
    return bad(
      'The body must be a JSON object like { "nodes": ["score_leads"], "params": { "name": "value" }, "force": false }',
    );
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) =>
    !["nodes", "params", "force"].includes(k)
  );
  if (unknown.length > 0) {
    return bad(
      `Unknown field ${
        unknown.map((k) => `"${k}"`).join(", ")
      }: a run takes "nodes", "params" and "force"`,
    );
  }
  const nodes = b.nodes ?? [];
  if (
    !Array.isArray(nodes) ||
    !nodes.every((n) => typeof n === "string" && n.trim() !== "")
  ) {
    return bad(
      '"nodes" must be a list of node ids, titles or files, e.g. ["score_leads", "Ingest Leads+"]',
    );
  }
  if (b.force !== undefined && typeof b.force !== "boolean") {
    return bad('"force" must be true or false');
  }
  const params: CliParam[] = [];
  const raw = b.params ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return bad(
      '"params" must be an object of name → value, e.g. { "min_score": 0.5, "Score Leads.limit": 10 }',
    );
  }
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    const value = paramValue(v);
    if (value === undefined) {
      return bad(
        `Parameter "${key}" must be a string, number, boolean or list (got ${
          v === null ? "null" : typeof v
        })`,
      );
    }
    const dot = key.lastIndexOf(".");
    const name = dot < 0 ? key : key.slice(dot + 1);
    if (!/^[A-Za-z_]\w*$/.test(name)) {
      return bad(
        `Parameter "${key}" is not a parameter name (or "Node Title.name")`,
      );
    }
    params.push(
      dot < 0 ? { name, value } : { node: key.slice(0, dot), name, value },
    );
  }
  return {
    ok: true,
    nodes: nodes as string[],
    params,
    force: b.force === true,
  };
}

async function readJsonBody(c: Context): Promise<
  { ok: true; value: unknown } | { ok: false; error: string }
> {
  const text = await c.req.text();
  if (text.length > MAX_RUN_BODY) {
    return { ok: false, error: "The body is larger than 1 MB" };
  }
  if (text.trim() === "") return { ok: true, value: undefined };
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
  if (type !== "application/json") {
    return {
      ok: false,
      error: `Send the body as JSON with Content-Type: application/json (got "${
        type || "none"
      }")`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return {
      ok: false,
      error: `The body is not valid JSON: ${(err as Error).message}`,
    };
  }
}

/** Log lines per page of a run's logs. */
const LOG_PAGE = 1000;

function logView(l: LogRecord, s: Secrets) {
  return {
    nodeId: l.nodeId,
    ts: l.ts.toISOString(),
    level: l.level,
    message: s.redact(l.message),
  };
}

/** Registers the run and event routes. */
export function runRoutes(app: Hono, ctx: ServerContext): void {
  app.get("/api/runs", async (c) => {
    const q = c.req.query("limit");
    let limit = DEFAULT_RUNS;
    if (q !== undefined) {
      limit = Number(q);
      if (!/^\d+$/.test(q) || limit < 1 || limit > MAX_RUNS) {
        return sendError(
          c,
          400,
          `limit must be a whole number from 1 to ${MAX_RUNS} (got "${q}")`,
        );
      }
    }
    const runs = await ctx.store.listRuns(limit);
    const counts = await ctx.store.countNodeRuns(runs.map((r) => r.id));
    return sendJson(c, {
      runs: runs.map((r) => runView(r, ctx, counts.get(r.id) ?? {})),
      activeRun: ctx.runs.active ?? null,
    });
  });

  app.get("/api/runs/:id", async (c) => {
    const id = c.req.param("id");
    const run = await findRun(ctx, id);
    if (typeof run === "string") return sendError(c, 404, run);
    if (run === undefined) {
      const note = ctx.runs.note(id);
      if (note !== undefined) {
        return sendJson(c, {
          run: {
            id,
            status: note.status === "starting" ? "starting" : "failed",
            startedAt: note.requestedAt.toISOString(),
            finishedAt: null,
            durationMs: null,
            trigger: note.trigger,
            selection: [],
            params: {},
            error: note.error ?? null,
          },
          nodes: [],
          logs: [],
          logsMore: false,
        });
      }
      return sendError(c, 404, `No run "${id}": list runs with GET /api/runs`);
    }
    const s = ctx.secrets;
    const nodes = await ctx.store.listNodeRuns(run.id);
    // The first page; the rest through GET /api/runs/:id/logs.
    const logs = await ctx.store.listLogs(run.id, undefined, {
      offset: 0,
      limit: LOG_PAGE + 1,
    });
    return sendJson(c, {
      run: runView(run, ctx),
      // Whether this server is running it (and can stop it).
      active: ctx.runs.active?.runId === run.id,
      nodes: nodes.map((n) => ({ id: n.nodeId, ...nodeRunView(n, s) })),
      logs: logs.slice(0, LOG_PAGE).map((l) => logView(l, s)),
      logsMore: logs.length > LOG_PAGE,
    });
  });

  app.get("/api/runs/:id/logs", async (c) => {
    const run = await findRun(ctx, c.req.param("id"));
    if (typeof run === "string") return sendError(c, 404, run);
    if (run === undefined) {
      return sendError(
        c,
        404,
        `No run "${c.req.param("id")}": list runs with GET /api/runs`,
      );
    }
    const page = pageOf(c, LOG_PAGE, LOG_PAGE);
    if (typeof page === "string") return sendError(c, 400, page);
    const { offset, limit } = page;
    const node = c.req.query("node") || undefined;
    const logs = await ctx.store.listLogs(run.id, node, {
      offset,
      limit: limit + 1,
    });
    return sendJson(c, {
      runId: run.id,
      node: node ?? null,
      offset,
      limit,
      logs: logs.slice(0, limit).map((l) => logView(l, ctx.secrets)),
      more: logs.length > limit,
    });
  });

  app.post("/api/runs", async (c) => {
    const body = await readJsonBody(c);
    if (!body.ok) return sendError(c, 400, body.error);
    const req = parseRunBody(body.value);
    if (!req.ok) return sendError(c, 400, req.error);
    const active = ctx.runs.active;
    if (active) {
      return sendError(c, 409, new RunBusyError(active.runId).message, {
        runId: active.runId,
      });
    }
    const runReq = {
      nodes: req.nodes,
      params: req.params,
      force: req.force,
      trigger: "api",
    };
    try {
      await ctx.runs.validate(runReq);
      const runId = ctx.runs.start(runReq);
      return sendJson(c, { runId }, 202);
    } catch (err) {
      if (err instanceof RunBusyError) {
        return sendError(c, 409, err.message, { runId: err.runId });
      }
      if (err instanceof GraphUnavailableError) {
        return sendError(c, 409, err.message);
      }
      if (err instanceof UsageError || err instanceof NodeContractError) {
        return sendError(c, 400, ctx.secrets.redact(err.message));
      }
      throw err;
    }
  });

  app.post("/api/runs/:id/cancel", async (c) => {
    const id = c.req.param("id");
    if (ctx.runs.cancel(id)) {
      return sendJson(c, { runId: id, status: "stopping" }, 202);
    }
    const run = await findRun(ctx, id);
    if (typeof run === "string") return sendError(c, 404, run);
    if (run === undefined) {
      return sendError(c, 404, `No run "${id}": list runs with GET /api/runs`);
    }
    if (ctx.runs.cancel(run.id)) {
      return sendJson(c, { runId: run.id, status: "stopping" }, 202);
    }
    return sendError(
      c,
      409,
      `Run ${run.id} is not going in this server (status: ${run.status}); only the run it is running can be stopped`,
    );
  });

  app.get("/api/events", (c) => {
    const last = Number(c.req.header("last-event-id"));
    const body = ctx.hub.stream(Number.isSafeInteger(last) ? last : undefined);
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  });
}
