/**
 * `runnel list webhooks`: the URLs `runnel serve` answers webhooks on,
 * with each webhook's token when the server needs one.
 *
 * @module
 */

import { Command, Option } from "npm:commander@^14.0.3";
import { loadGraph } from "../core/graph/load.ts";
import { isLoopback } from "../server/mod.ts";
import { baseUrl, webhookUrls } from "../server/mod.ts";
import { appOption, type CliContext, resolveAppDir } from "./_app.ts";
import { DEFAULT_PORT, portNumber } from "./serve.ts";

/** Builds the `list` command. */
export function listCommand(ctx: CliContext): Command {
  const webhooks = new Command("webhooks")
    .description("Print the URL of every webhook of the app")
    .addOption(appOption())
    .option("--host <address>", "address runnel serve binds", "127.0.0.1")
    .addOption(
      new Option("-p, --port <n>", "port runnel serve listens on")
        .argParser(portNumber).default(DEFAULT_PORT),
    )
    .option(
      "--token <token>",
      "the server token, to print each webhook's own token (env RUNNEL_TOKEN)",
    )
    .option("--json", "print JSON")
    .action(async (opts) => {
      const io = ctx.io;
      const dir = resolveAppDir(opts.app, io.cwd);
      const graph = await loadGraph(dir);
      const host = String(opts.host);
      const token: string | undefined = opts.token ?? io.env("RUNNEL_TOKEN");
      const urls = webhookUrls(
        graph.webhooks,
        baseUrl(host, opts.port as number),
        token,
      );
      if (opts.json) {
        io.out(JSON.stringify(urls, null, 2));
        return;
      }
      if (urls.length === 0) {
        io.err(
          `No webhooks in ${graph.file}: add one under functions: as "- webhook: <table>"`,
        );
        return;
      }
      for (const u of urls) io.out(`${u.table}\tPOST ${u.url}`);
      if (token === undefined && !isLoopback(host)) {
        io.err(
          `A server on ${host} needs a token, and each webhook its own: pass the --token given to runnel serve to print them`,
        );
      }
    });
  return new Command("list")
    .description("List things of an app (webhooks)")
    .addCommand(webhooks);
}
