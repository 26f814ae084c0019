/**
 * The dashboard: server-rendered page shells, their client scripts and
 * stylesheet (all inside the module graph), and the server-side DAG layout.
 * The server mounts it on its hono app; every data fetch of the pages goes
 * through the JSON API.
 *
 * @module
 */

import type { Context, Env, Hono, Schema } from "npm:hono@^4.6.0";
import type { GraphError, GraphIssue } from "../../core/errors.ts";
import type { Graph } from "../../core/graph/graph.ts";
import { ASSETS } from "./assets/mod.ts";
import { LayoutCache } from "./layout_cache.ts";
import {
  graphPage,
  runPage,
  runsPage,
  tablePage,
  tablesPage,
} from "./pages.ts";

/** What the dashboard needs from the server: the current graph, or why it is invalid. */
export interface UiSource {
  /** The last valid graph (if any) and the current graph.yml error (if any). */
  state(): { graph?: Graph; error?: GraphError };
  /** Calls `fn` with every newly loaded valid graph (to lay it out before a page asks). */
  onGraph?(fn: (graph: Graph) => void): void;
}

/** The mounted dashboard; close it with the server. */
export interface UiHandle {
  /** Stops layouts in progress. */
  close(): void;
}

/** Content-Security-Policy of the pages: scripts, styles and fetches from this origin only. */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function issuesOf(error: GraphError | undefined): GraphIssue[] {
  return error?.issues ?? [];
}

/** The JSON shape of an issue, as in `GET /api/graph`. */
function issueJson(i: GraphIssue) {
  return {
    message: i.message,
    file: i.loc.file,
    line: i.loc.line,
    col: i.loc.col,
  };
}

/**
 * Registers the dashboard's routes on `app`: `/`, `/runs`, `/runs/:id`,
 * `/tables`, `/tables/:name`, `/ui/layout.json` and the `/ui/*` assets.
 * Layouts are cached per graph content, so a large graph is laid out once.
 */
export function mountUi<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
  ui: UiSource,
): UiHandle {
  const layouts = new LayoutCache();
  const first = ui.state().graph;
  if (first) layouts.warm(first);
  ui.onGraph?.((g) => layouts.warm(g));
  const page = (c: Context<E>, body: ReturnType<typeof graphPage>) => {
    c.header("content-security-policy", UI_CSP);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("cache-control", "no-store");
    return c.html(body);
  };
  const appTitle = () => ui.state().graph?.title ?? "";

  app.get("/", (c) => {
    const { graph, error } = ui.state();
    return page(c, graphPage(graph?.title ?? "", issuesOf(error)));
  });
  app.get("/runs", (c) => page(c, runsPage(appTitle())));
  app.get(
    "/runs/:id",
    (c) => page(c, runPage(appTitle(), c.req.param("id") ?? "")),
  );
  app.get("/tables", (c) => page(c, tablesPage(appTitle())));
  app.get(
    "/tables/:name",
    (c) => page(c, tablePage(appTitle(), c.req.param("name") ?? "")),
  );

  app.get("/ui/layout.json", async (c) => {
    const { graph, error } = ui.state();
    c.header("cache-control", "no-store");
    const issues = issuesOf(error).map(issueJson);
    if (!graph) {
      return c.json({
        valid: false,
        error: { issues },
        key: "",
        title: "",
        width: 0,
        height: 0,
        boxes: [],
        edges: [],
      });
    }
    const layout = await layouts.get(graph);
    return c.json(
      error
        ? { ...layout, valid: false, error: { issues } }
        : { ...layout, valid: true },
    );
  });

  app.get("/ui/:file", (c) => {
    const asset = ASSETS.get(c.req.param("file") ?? "");
    if (!asset) {
      return c.json({ error: `no such asset: ${c.req.param("file")}` }, 404);
    }
    c.header("etag", asset.etag);
    c.header("cache-control", "no-cache");
    c.header("x-content-type-options", "nosniff");
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    c.header("content-type", asset.type);
    return c.body(asset.body);
  });
  return { close: () => layouts.close() };
}
