/**
 * Token rules of the dev server. On a loopback address no token is needed
 * (unless one is given); any other address needs one, generated when the
 * user gives none. With a token, every API call and dashboard page needs it
 * (`Authorization: Bearer`, or the `runnel_token` cookie set when a page is
 * opened with `?token=`), and each webhook needs its own token, derived
 * from the server token and the table name.
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";

/** Cookie the dashboard's pages and API calls authenticate with. */
export const TOKEN_COOKIE = "runnel_token";

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) ||
    h === "0:0:0:0:0:0:0:1";
}

/** A fresh random token: 32 bytes, base64url. */
export function generateToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(
    /\//g,
    "_",
  ).replace(/=+$/, "");
}

/**
 * The token a server bound to `host` uses: the given one; else none on a
 * loopback address; else a generated one (`generated: true`: print it).
 */
export function resolveToken(
  host: string,
  token: string | undefined,
): { token?: string; generated: boolean } {
  if (token !== undefined && token !== "") return { token, generated: false };
  if (isLoopback(host)) return { generated: false };
  return { token: generateToken(), generated: true };
}

/** The token of the webhook of `table`: HMAC-SHA256 of the table under the server token, base64url. */
export function webhookToken(serverToken: string, table: string): string {
  return createHmac("sha256", serverToken).update(`webhook:${table}`)
    .digest("base64url");
}

/** Constant-time string comparison. */
export function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1];
}

/** The value of cookie `name` in a `Cookie` header. */
export function cookieOf(
  header: string | undefined,
  name: string,
): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** `Set-Cookie` value that keeps the token for the dashboard's later requests. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${
    encodeURIComponent(token)
  }; Path=/; HttpOnly; SameSite=Strict`;
}
