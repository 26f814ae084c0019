/**
 * `GET /api/tables` and `GET /api/tables/:name/rows?offset=&limit=&order=`.
 *
 * @module
 */

import type { Context, Hono } from "npm:hono@^4.6.0";
import { DataError } from "../../core/errors.ts";
import type { ReadOptions, TableInfo } from "../../stores/store.ts";
import type { ServerContext } from "../_context.ts";
import { iso, sendError, sendJson } from "../_json.ts";
import { readPage } from "../_pages.ts";

/** Rows per page when `limit` is not given. */
export const DEFAULT_PAGE = 50;

function tableView(t: TableInfo, ctx: ServerContext) {
  const graph = ctx.graphs.graph ?? ctx.graphs.lastGood;
  const hook = graph?.webhooks.find((w) => w.table === t.name);
  return {
    name: t.name,
    exists: true,
    rowCount: t.rowCount,
    version: t.version,
    updatedAt: iso(t.updatedAt),
    runId: t.runId ?? null,
    nodeId: t.nodeId ?? null,
    producer: graph?.producers.get(t.name) ?? hook?.id ?? null,
    schema: t.schema,
    uniqueOn: t.uniqueOn,
  };
}

/** A non-negative whole number from a query value, or an error message. */
/** `offset` and `limit` of a paged request (`limit` from 1 to `max`), or why they are wrong. */
export function pageOf(
  c: Context,
  defaultLimit: number,
  max: number,
): { offset: number; limit: number } | string {
  const offset = wholeNumber(
    "offset",
    c.req.query("offset"),
    0,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  if (typeof offset === "string") return offset;
  const limit = wholeNumber(
    "limit",
    c.req.query("limit"),
    defaultLimit,
    1,
    max,
  );
  if (typeof limit === "string") return limit;
  return { offset, limit };
}

/** A whole-number query parameter within [min, max], or why it is not one. */
function wholeNumber(
  name: string,
  v: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number | string {
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (
    !/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max
  ) {
    return `${name} must be a whole number from ${min} to ${
      max.toLocaleString("en-US")
    } (got "${v}")`;
  }
  return n;
}

/** Parses `order=score,-created_at` against the table's columns. */
export function parseOrder(
  text: string | undefined,
  info: TableInfo,
): ReadOptions["orderBy"] | string {
  if (text === undefined || text.trim() === "") return [];
  const out: { column: string; desc?: boolean }[] = [];
  for (const part of text.split(",")) {
    const p = part.trim();
    const desc = p.startsWith("-");
    const column = desc || p.startsWith("+") ? p.slice(1) : p;
    if (!Object.hasOwn(info.schema, column)) {
      return `Cannot order by "${column}": table "${info.name}" has no such column (columns: ${
        Object.keys(info.schema).join(", ")
      }); write order=<column> or order=-<column> for descending`;
    }
    if (info.schema[column] === "Json") {
      return `Cannot order by "${column}": it is a Json column of table "${info.name}", and JSON values have no order; order by another column`;
    }
    out.push(desc ? { column, desc: true } : { column });
  }
  return out;
}

/** Registers the table routes. */
export function tableRoutes(app: Hono, ctx: ServerContext): void {
  app.get("/api/tables", async (c) => {
    const stored = await ctx.store.listTables();
    const have = new Set(stored.map((t) => t.name));
    const graph = ctx.graphs.graph ?? ctx.graphs.lastGood;
    const declared = new Set<string>();
    for (const s of graph?.stores ?? []) declared.add(s.table);
    for (const n of graph?.nodes ?? []) {
      for (const t of Object.values(n.outputs)) declared.add(t);
    }
    for (const w of graph?.webhooks ?? []) declared.add(w.table);
    const missing = [...declared].filter((t) => !have.has(t)).sort().map((
      name,
    ) => ({
      name,
      exists: false,
      rowCount: 0,
      version: 0,
      updatedAt: null,
      runId: null,
      nodeId: null,
      producer: graph?.producers.get(name) ??
        graph?.webhooks.find((w) => w.table === name)?.id ?? null,
      schema: {},
      uniqueOn: [],
    }));
    return sendJson(c, {
      tables: [...stored.map((t) => tableView(t, ctx)), ...missing],
    });
  });

  app.get("/api/tables/:name/rows", async (c) => {
    const name = c.req.param("name");
    const info = await ctx.store.describeTable(name);
    if (info === undefined) {
      const names = (await ctx.store.listTables()).map((t) => t.name);
      return sendError(
        c,
        404,
        `No table "${name}" in the store (tables: ${
          names.join(", ") || "none yet: run the graph first"
        })`,
      );
    }
    const page = pageOf(c, DEFAULT_PAGE, ctx.limits.maxPageRows);
    if (typeof page === "string") return sendError(c, 400, page);
    const { offset, limit } = page;
    const order = parseOrder(c.req.query("order"), info);
    if (typeof order === "string") return sendError(c, 400, order);
    let rows;
    try {
      rows = await readPage(ctx.store, info, offset, limit, order);
    } catch (err) {
      if (err instanceof DataError) return sendError(c, 400, err.message);
      throw err;
    }
    const view = tableView(info, ctx);
    return sendJson(c, {
      table: name,
      schema: info.schema,
      uniqueOn: info.uniqueOn,
      total: info.rowCount,
      version: info.version,
      updatedAt: view.updatedAt,
      runId: view.runId,
      nodeId: view.nodeId,
      producer: view.producer,
      offset,
      limit,
      order: (order ?? []).map((o) => (o.desc ? "-" : "") + o.column),
      rows,
    });
  });
}
