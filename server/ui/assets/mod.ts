/**
 * The dashboard's static assets by file name: JavaScript modules and CSS,
 * all shipped as string constants inside the module graph. Each carries a
 * content hash used as its ETag.
 *
 * @module
 */

import { API_JS } from "./api_js.ts";
import { GRAPH_JS } from "./graph_js.ts";
import { NODE_PANEL_JS } from "./node_panel_js.ts";
import { RUN_JS, RUNS_JS } from "./runs_js.ts";
import { STYLE_CSS } from "./style_css.ts";
import { TABLE_JS, TABLES_JS } from "./tables_js.ts";
import { FAVICON_SVG } from "./favicon_svg.ts";

/** One served asset. */
export interface Asset {
  type: string;
  body: string;
  etag: string;
}

const JS = "text/javascript; charset=utf-8";

function etagOf(body: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) {
    h = Math.imul(h ^ body.charCodeAt(i), 0x01000193);
  }
  return `"${(h >>> 0).toString(36)}-${body.length.toString(36)}"`;
}

const SOURCES: Record<string, [string, string]> = {
  "api.js": [JS, API_JS],
  "graph.js": [JS, GRAPH_JS],
  "node_panel.js": [JS, NODE_PANEL_JS],
  "runs.js": [JS, RUNS_JS],
  "run.js": [JS, RUN_JS],
  "tables.js": [JS, TABLES_JS],
  "table.js": [JS, TABLE_JS],
  "style.css": ["text/css; charset=utf-8", STYLE_CSS],
  "favicon.svg": ["image/svg+xml", FAVICON_SVG],
};

/** Asset file name → asset. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map(
  Object.entries(SOURCES).map((
    [name, [type, body]],
  ) => [name, { type, body, etag: etagOf(body) }]),
);
