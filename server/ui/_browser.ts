/**
 * Helpers for the dashboard's browser tests and bench: find Debian's
 * Chromium (never download one), launch it headless through
 * playwright-core, and serve a hono app on a loopback port.
 *
 * @module
 */

import { type Browser, chromium } from "npm:playwright-core@^1.49";

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/lib/chromium/chromium",
];

/** Path of the system Chromium: `$CHROMIUM`, else the usual Debian paths; undefined when none exists. */
export function chromiumPath(): string | undefined {
  const fromEnv = Deno.env.get("CHROMIUM");
  for (const p of fromEnv ? [fromEnv, ...CANDIDATES] : CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Launches headless Chromium with the flags the project's CI allows. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return await chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
    ],
  });
}

/** A socket serving a fetch handler on 127.0.0.1, on a free port. */
export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves `fetch` on 127.0.0.1 with an OS-chosen port. */
export function serveLocal(
  fetch: (req: Request) => Response | Promise<Response>,
): Served {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    fetch,
  );
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      await server.shutdown();
    },
  };
}
