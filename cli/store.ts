/**
 * `runnel store copy --from <url> --to <url>`: moves an app between stores
 * (SQLite ↔ PostgreSQL, or a new file or schema), tables and history, so
 * the next run on the destination is as cached as it would have been on
 * the source.
 *
 * @module
 */

import { Command } from "npm:commander@^14.0.3";
import { AppNotFoundError, StoreError } from "../core/errors.ts";
import { formatCount } from "../core/format.ts";
import { openStore, redactUrl, storeExists } from "../stores/mod.ts";
import { copyStore } from "../stores/copy.ts";
import { appOption, type CliContext, resolveAppDir, slugFor } from "./_app.ts";

/** The app directory, or the working directory when there is no app. */
function appDirOf(ctx: CliContext, app: string | undefined): string {
  try {
    return resolveAppDir(app, ctx.io.cwd);
  } catch (err) {
    if (app === undefined && err instanceof AppNotFoundError) {
      return ctx.io.cwd;
    }
    throw err;
  }
}

/** Builds the `store` command. */
export function storeCommand(ctx: CliContext): Command {
  const cmd = new Command("store").description(
    "Work with whole stores (see: runnel store copy --help)",
  );
  cmd.command("copy")
    .description(
      "Copy an app's tables and history (runs, logs, state, cache) to another store",
    )
    .requiredOption("--from <url>", "the store to copy, as for --store")
    .requiredOption("--to <url>", "an empty store to copy into, as for --store")
    .addOption(appOption())
    .addHelpText(
      "after",
      `
Relative SQLite paths are relative to the app; a PostgreSQL store uses the
app's schema (runnel_<slug>) unless the URL says ?schema=.

Example:
  runnel store copy --from .runnel/runnel.db --to postgres://me@db.example.com/analytics`,
    )
    .action(async (opts: { from: string; to: string; app?: string }) => {
      const dir = appDirOf(ctx, opts.app);
      const fromSlug = await slugFor(opts.from, dir);
      if (!(await storeExists(opts.from, dir, { slug: fromSlug }))) {
        throw new StoreError(
          `Nothing to copy: the store ${
            JSON.stringify(redactUrl(opts.from))
          } does not exist`,
        );
      }
      const from = await openStore(opts.from, dir, { slug: fromSlug });
      try {
        const to = await openStore(opts.to, dir, {
          slug: await slugFor(opts.to, dir),
        });
        try {
          const s = await copyStore(from, to, (name, rows) => {
            ctx.io.err(`copied ${name}: ${formatCount(rows)} row(s)`);
          });
          ctx.io.out(
            `Copied ${s.tables} table(s) with ${
              formatCount(s.rows)
            } row(s), ${s.runs} run(s), ${s.nodeRuns} node run(s), ${
              formatCount(s.logs)
            } log line(s), ${s.states} node state(s) and ${s.cacheRecords} cache record(s) from ${from.location} to ${to.location}`,
          );
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
  return cmd;
}
