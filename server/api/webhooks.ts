/**
 * `POST /webhooks/<table>`: appends the records of one request to a
 * webhook table, all of them or none. With a server token each webhook
 * needs its own token (`?token=`, `X-Runnel-Token` or
 * `Authorization: Bearer`).
 *
 * @module
 */

import type { Context, Hono } from "npm:hono@^4.6.0";
import { DataError, StoreError } from "../../core/errors.ts";
import { bearerOf, sameSecret, webhookToken } from "../_auth.ts";
import type { ServerContext } from "../_context.ts";
import { sendError, sendJson } from "../_json.ts";
import { decodeBody, parseWebhookBody } from "../webhooks/parse.ts";

/** Reads at most `max` bytes of the body; undefined when it is larger. */
async function readCapped(
  c: Context,
  max: number,
): Promise<Uint8Array | undefined> {
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > max) return undefined;
  const body = c.req.raw.body;
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    all.set(ch, at);
    at += ch.byteLength;
  }
  return all;
}

function givenToken(c: Context): string | undefined {
  return c.req.query("token") ?? c.req.header("x-runnel-token") ??
    bearerOf(c.req.header("authorization"));
}

/** Registers the webhook route. */
export function webhookRoutes(app: Hono, ctx: ServerContext): void {
  app.post("/webhooks/:table", async (c) => {
    const table = c.req.param("table");
    const graph = ctx.graphs.graph ?? ctx.graphs.lastGood;
    const hook = graph?.webhooks.find((w) => w.table === table);
    if (ctx.token !== undefined) {
      const given = givenToken(c);
      // Checked before the lookup, so unknown and known tables look alike.
      if (
        given === undefined ||
        !sameSecret(given, webhookToken(ctx.token, table))
      ) {
        return sendError(
          c,
          401,
          given === undefined
            ? `This webhook needs its token: add ?token=<token> to the URL (runnel list webhooks prints it)`
            : `Wrong token for webhook "${table}": each webhook has its own token (runnel list webhooks prints it)`,
        );
      }
    }
    if (hook === undefined) {
      const known = graph?.webhooks.map((w) => w.table) ?? [];
      return sendError(
        c,
        404,
        `No webhook for table "${table}" in graph.yml (webhooks: ${
          known.join(", ") || "none; add - webhook: <table> under functions:"
        })`,
      );
    }
    const max = ctx.limits.webhookMaxBytes;
    const bytes = await readCapped(c, max);
    if (bytes === undefined) {
      return sendError(
        c,
        413,
        `The body is larger than ${
          max.toLocaleString("en-US")
        } bytes: send the records in smaller batches; nothing was written`,
      );
    }
    const decoded = decodeBody(bytes);
    if ("error" in decoded) return sendError(c, 400, decoded.error);
    const parsed = parseWebhookBody(
      decoded.text,
      c.req.header("content-type"),
    );
    if (!parsed.ok) return sendError(c, parsed.status, parsed.error);
    try {
      const received = await ctx.webhooks.append(
        table,
        hook.id,
        parsed.records,
      );
      return sendJson(c, { received });
    } catch (err) {
      if (err instanceof DataError) return sendError(c, 400, err.message);
      if (err instanceof StoreError) return sendError(c, 409, err.message);
      throw err;
    }
  });
}
