/**
 * The dev server's hono app: guards, the JSON API, webhooks and the
 * dashboard. Built from a {@link ServerContext}; `createServer` (mod.ts)
 * makes both.
 *
 * @module
 */

import { Hono } from "npm:hono@^4.6.0";
import { StoreError } from "../core/errors.ts";
import {
  graphRoutes,
  runRoutes,
  tableRoutes,
  webhookRoutes,
} from "./api/mod.ts";
import type { ServerContext } from "./_context.ts";
import { originGuard, securityHeaders, tokenGuard } from "./_guard.ts";
import { sendError } from "./_json.ts";

/** Mounts the dashboard's pages and assets on the app; what it returns is closed with the server. */
export type UiMount = (app: Hono) => void | { close(): void };

/** Builds the app. `mountUi` adds the dashboard (none: a plain index). */
export function createApp(ctx: ServerContext, mountUi?: UiMount): Hono {
  const app = new Hono();
  app.use("*", securityHeaders);
  app.use("*", originGuard(ctx.token));
  app.use("*", tokenGuard(ctx.token));

  graphRoutes(app, ctx);
  runRoutes(app, ctx);
  tableRoutes(app, ctx);
  webhookRoutes(app, ctx);

  if (mountUi !== undefined) mountUi(app);
  else {
    app.get("/", (c) =>
      c.text(
        "Runnel dev server. JSON API: /api/graph, /api/runs, /api/tables, /api/events.\n",
      ));
  }

  app.all("/api/*", (c) =>
    sendError(
      c,
      c.req.method === "GET" || c.req.method === "POST" ? 404 : 405,
      `No endpoint ${c.req.method} ${c.req.path}: see the API section of the README`,
    ));
  app.onError((err, c) => {
    const message = ctx.secrets.redact(
      err instanceof Error ? err.message : String(err),
    );
    // The store cannot serve (file deleted, read-only, database down): say
    // what it said, as a temporary condition rather than a bug.
    if (err instanceof StoreError) return sendError(c, 503, message);
    return sendError(c, 500, `Internal error: ${message}`);
  });
  return app;
}
