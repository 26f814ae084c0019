/**
 * `runnel serve`: the dev server — dashboard, JSON API, live events,
 * webhooks and cron schedules — until SIGINT or SIGTERM.
 *
 * @module
 */

import { Command, Option } from "npm:commander@^14.0.3";
import { UsageError } from "../core/errors.ts";
import { createServer } from "../server/mod.ts";
import { baseUrl, webhookUrls } from "../server/mod.ts";
import {
  appOption,
  type CliContext,
  memoryOption,
  resolveAppDir,
  storeOption,
} from "./_app.ts";
import { style } from "./_io.ts";
import { untilSignal } from "./_signals.ts";

/** Default port of `runnel serve`. */
export const DEFAULT_PORT = 7878;

/** Commander parser for a TCP port (0: any free one). */
export function portNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) {
    throw new UsageError(
      `--port needs a number from 0 to 65535 (0: any free port), got "${v}"`,
    );
  }
  return n;
}

/** Builds the `serve` command. */
export function serveCommand(ctx: CliContext): Command {
  return new Command("serve")
    .description(
      "Serve the dashboard, JSON API, live events, webhooks and schedules of an app",
    )
    .addOption(appOption())
    .addOption(storeOption())
    .addOption(
      new Option("-p, --port <n>", "port to listen on (0: any free port)")
        .argParser(portNumber).default(DEFAULT_PORT),
    )
    .option(
      "--host <address>",
      "address to bind; anything but loopback requires a token",
      "127.0.0.1",
    )
    .option(
      "--token <token>",
      "token for the API and webhooks (default: none on loopback, else a generated one; env RUNNEL_TOKEN)",
    )
    .addOption(memoryOption())
    .option("--watch-run", "run the graph after every saved change")
    .option("--no-watch", "do not watch the app directory")
    .addHelpText(
      "after",
      `
Examples:
  runnel serve                          dashboard on http://127.0.0.1:7878
  runnel serve --watch-run              rerun what changed on every save
  runnel serve --host 0.0.0.0           reachable from the network (prints a token)`,
    )
    .action(async (opts) => {
      const io = ctx.io;
      const s = style(io);
      const dir = resolveAppDir(opts.app, io.cwd);
      const host = String(opts.host);
      const server = await createServer({
        appDir: dir,
        storeUrl: opts.store ?? io.env("RUNNEL_STORE"),
        token: opts.token ?? io.env("RUNNEL_TOKEN"),
        host,
        watchRun: !!opts.watchRun,
        watch: opts.watch !== false,
        runOptions: opts.memory == null ? {} : { memoryMb: opts.memory },
      });
      const abort = new AbortController();
      let http: Deno.HttpServer;
      try {
        http = Deno.serve({
          hostname: host,
          port: opts.port as number,
          signal: abort.signal,
          onListen: () => {},
        }, server.app.fetch);
      } catch (err) {
        await server.close();
        if (err instanceof Deno.errors.AddrInUse) {
          throw new UsageError(
            `Port ${opts.port} on ${host} is in use: pass --port <another> (or --port 0 for any free port)`,
          );
        }
        throw new UsageError(
          `Cannot listen on ${host}:${opts.port}: ${(err as Error).message}`,
        );
      }
      const addr = http.addr as Deno.NetAddr;
      const base = baseUrl(host, addr.port);
      const { graph, error } = server.state();
      const tokenQuery = server.token === undefined
        ? ""
        : `/?token=${encodeURIComponent(server.token)}`;
      io.err(
        `${s.green("Runnel dev server")} for ${
          graph?.title ?? dir
        } on ${host}:${addr.port}`,
      );
      io.out(`${base}${tokenQuery || "/"}`);
      if (server.tokenGenerated) {
        io.err(
          `API token (shown once; pass --token to choose one): ${server.token}`,
        );
      }
      if (error !== undefined) {
        io.err(
          s.red(
            `graph.yml is invalid (${error.issues.length} problem(s)); the dashboard shows them`,
          ),
        );
      }
      for (const w of webhookUrls(graph?.webhooks ?? [], base, server.token)) {
        io.err(`webhook ${w.table}: POST ${w.url}`);
      }
      io.err("Press Ctrl+C to stop.");

      const sig = await untilSignal();
      io.err(
        `\n${sig}: stopping (a running run is interrupted and recorded; ${sig} again to stop at once)…`,
      );
      const forced = await Promise.race([
        server.close().then(() => false),
        untilSignal().then(() => true),
      ]);
      abort.abort();
      if (forced) {
        // The run lock is an OS lock: it goes with the process.
        io.err("Stopped without waiting for the run.");
        ctx.exitCode = 130;
        return;
      }
      await http.finished;
      io.err("Stopped.");
    });
}
