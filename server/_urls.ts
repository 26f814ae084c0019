/**
 * URLs the dev server prints: its base, the dashboard (with the token),
 * and each webhook (with its own token when the server has one).
 *
 * @module
 */

import type { WebhookSpec } from "../core/graph/graph.ts";
import { webhookToken } from "./_auth.ts";

/** `http://host:port`, with IPv6 in brackets and "any address" shown as loopback. */
export function baseUrl(host: string, port: number): string {
  let h = host.trim();
  if (h === "0.0.0.0" || h === "") h = "127.0.0.1";
  else if (h === "::" || h === "[::]") h = "[::1]";
  else if (h.includes(":") && !h.startsWith("[")) h = `[${h}]`;
  return `http://${h}:${port}`;
}

/** One webhook's address. */
export interface WebhookUrl {
  id: string;
  table: string;
  url: string;
  /** The webhook's own token, when the server has one. */
  token?: string;
}

/** The URL of every webhook; with `token`, each carries its own `?token=`. */
export function webhookUrls(
  webhooks: WebhookSpec[],
  base: string,
  token: string | undefined,
): WebhookUrl[] {
  return webhooks.map((w) => {
    const url = `${base}/webhooks/${encodeURIComponent(w.table)}`;
    if (token === undefined) return { id: w.id, table: w.table, url };
    const t = webhookToken(token, w.table);
    return { id: w.id, table: w.table, url: `${url}?token=${t}`, token: t };
  });
}
