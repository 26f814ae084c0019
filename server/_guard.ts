/**
 * Request guards of the dev server, as hono middleware: security headers,
 * the Host check against DNS rebinding, the Origin check against
 * cross-site POSTs, and the token check.
 *
 * @module
 */

import type { Context, MiddlewareHandler, Next } from "npm:hono@^4.6.0";
import {
  bearerOf,
  cookieOf,
  isLoopback,
  sameSecret,
  TOKEN_COOKIE,
  tokenCookie,
} from "./_auth.ts";
import { sendError } from "./_json.ts";

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon < 0 ? h : h.slice(0, colon);
}

const isApi = (path: string) => path === "/api" || path.startsWith("/api/");

function refuse(c: Context, status: 401 | 403, message: string): Response {
  if (isApi(c.req.path) || c.req.path.startsWith("/webhooks/")) {
    return sendError(c, status, message);
  }
  return c.text(message, status);
}

/** Adds headers that keep tokens out of referrers and pages out of frames. */
export const securityHeaders: MiddlewareHandler = async (
  c: Context,
  next: Next,
) => {
  await next();
  c.res.headers.set("x-content-type-options", "nosniff");
  c.res.headers.set("referrer-policy", "no-referrer");
  c.res.headers.set("x-frame-options", "DENY");
};

/**
 * Without a token the server trusts only requests addressed to a loopback
 * name, so a web page cannot reach it through a rebinding DNS name; and
 * every state-changing request from a browser must come from the
 * dashboard's own origin.
 */
export function originGuard(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host") ?? "";
    if (token === undefined && host !== "" && !isLoopback(hostnameOf(host))) {
      return refuse(
        c,
        403,
        `Host "${host}" is refused: without --token the server answers only requests to localhost or 127.0.0.1`,
      );
    }
    const origin = c.req.header("origin");
    if (
      c.req.method !== "GET" && c.req.method !== "HEAD" &&
      origin !== undefined && origin !== "null"
    ) {
      let same = false;
      try {
        same = new URL(origin).host === host;
      } catch {
        same = false;
      }
      if (!same) {
        return refuse(
          c,
          403,
          `Cross-origin requests are refused (Origin ${origin}); call the API from the dashboard or without a browser`,
        );
      }
    } else if (origin === "null" && c.req.method !== "GET") {
      return refuse(c, 403, "Requests from an opaque origin are refused");
    }
    await next();
  };
}

/**
 * With a token, every request except webhooks (which check their own)
 * needs it: `Authorization: Bearer <token>`, the `runnel_token` cookie, or
 * — for dashboard pages only — `?token=<token>`, which also sets the cookie.
 */
export function tokenGuard(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token === undefined || c.req.path.startsWith("/webhooks/")) {
      return await next();
    }
    const bearer = bearerOf(c.req.header("authorization"));
    const cookie = cookieOf(c.req.header("cookie"), TOKEN_COOKIE);
    const query = isApi(c.req.path) ? undefined : c.req.query("token");
    const given = bearer ?? cookie ?? query;
    if (given === undefined) {
      return refuse(
        c,
        401,
        isApi(c.req.path)
          ? "This server needs its token: send Authorization: Bearer <token> (runnel serve printed it)"
          : "This server needs its token: open the URL runnel serve printed, with ?token=<token>",
      );
    }
    const ok = (bearer !== undefined && sameSecret(bearer, token)) ||
      (cookie !== undefined && sameSecret(cookie, token)) ||
      (query !== undefined && sameSecret(query, token));
    if (!ok) return refuse(c, 401, "Wrong token");
    await next();
    if (query !== undefined && sameSecret(query, token)) {
      c.res.headers.append("set-cookie", tokenCookie(token));
    }
  };
}
