/**
 * `runnel create app|node|table`: scaffolding. The actions parse options,
 * call core/scaffold/scaffold.ts and print what changed; failures are thrown as
 * RunnelErrors for the top-level CLI to report.
 *
 * @module
 */

import { Command, Option } from "npm:commander@^14.0.3";
import { isAbsolute, relative, resolve } from "node:path";
import { UsageError } from "../core/errors.ts";
import {
  createApp,
  createNode,
  createTable,
} from "../core/scaffold/scaffold.ts";
import { appOption, resolveAppDir } from "./_app.ts";
import type { CliIo } from "./_io.ts";

/** Builds the `create` command with its `app`, `node` and `table` subcommands. */
export function createCommand(io: CliIo): Command {
  const create = setup(new Command("create"), io)
    .description("Create a new app, node or table")
    .addHelpText(
      "after",
      `
Examples:
  $ runnel create app my-leads-app
  $ runnel create table --app my-leads-app raw_leads
  $ runnel create node --app my-leads-app --title "Score Leads" score_leads.ts`,
    );

  setup(create.command("app"), io)
    .description(
      "Create a new app directory with graph.yml, runnel.d.ts, README.md and .gitignore",
    )
    .argument("<dir>", "directory to create (must not exist, or be empty)")
    .option("--title <title>", "app title (default: from the directory name)")
    .addHelpText(
      "after",
      `
Example:
  $ runnel create app my-leads-app --title "My Leads"`,
    )
    .action(async (dir: string, opts: { title?: string }) => {
      const files = await createApp(resolve(io.cwd, dir), opts);
      const shown = show(io, resolve(io.cwd, dir));
      io.out(`Created app in ${shown}/:`);
      for (const f of files) io.out(`  ${show(io, f)}`);
      const app = quote(dir);
      io.out("");
      io.out("Next steps:");
      io.out(`  runnel create table --app ${app} raw_leads`);
      io.out(
        `  runnel create node --app ${app} --title "Score Leads" score_leads.ts`,
      );
      io.out(`  runnel run --app ${app}`);
    });

  setup(create.command("node"), io)
    .description(
      "Create a node file from a template and add it to functions: in graph.yml",
    )
    .argument(
      "<file>",
      "node file relative to the app directory, ending in .ts, .js or .sql (with --type table: a table name)",
    )
    .addOption(appOption())
    .option("--title <title>", "node title (default: from the file name)")
    .addOption(
      new Option("--type <type>", "what to create").choices(["node", "table"])
        .default("node"),
    )
    .addHelpText(
      "after",
      `
Examples:
  $ runnel create node --app my-leads-app --title "Score Leads" score_leads.ts
  $ runnel create node nodes/top_leads.sql
  $ runnel create node --app my-leads-app --type table raw_leads`,
    )
    .action(
      async (
        file: string,
        opts: { app?: string; title?: string; type: string },
      ) => {
        const appDir = resolveAppDir(opts.app, io.cwd);
        if (opts.type === "table") {
          if (opts.title !== undefined) {
            throw new UsageError(
              "--title does not apply to --type table: drop it, or use --type node",
            );
          }
          await addTable(io, appDir, file);
          return;
        }
        const made = await createNode(appDir, file, { title: opts.title });
        io.out(
          `Created ${
            show(io, made.path)
          } (node "${made.title}", id ${made.id})`,
        );
        if (made.typesFile !== undefined) {
          io.out(`Created ${show(io, made.typesFile)} (node API types)`);
        }
        io.out(`Added it to functions: in ${show(io, graphOf(appDir))}`);
        io.out("");
        io.out(
          made.path.endsWith(".sql")
            ? "Next: bind its input_table and output_table ports to tables under inputs: and outputs: in graph.yml."
            : "Next: bind the ports it uses to tables under inputs: and outputs: in graph.yml.",
        );
      },
    );

  setup(create.command("table"), io)
    .description("Add a table to stores: in graph.yml")
    .argument("<name>", "table name: letters, digits and _")
    .addOption(appOption())
    .addHelpText(
      "after",
      `
Example:
  $ runnel create table --app my-leads-app raw_leads`,
    )
    .action(async (name: string, opts: { app?: string }) => {
      await addTable(io, resolveAppDir(opts.app, io.cwd), name);
    });

  return create;
}

async function addTable(io: CliIo, appDir: string, name: string) {
  const made = await createTable(appDir, name);
  io.out(`Added table ${made.table} to stores: in ${show(io, made.graphFile)}`);
  io.out("");
  io.out(
    "Next: bind it to a node port under inputs: or outputs: in graph.yml.",
  );
}

/** Routes commander's own output through `io` and makes it throw instead of exiting. */
function setup(cmd: Command, io: CliIo): Command {
  return cmd.exitOverride().configureOutput({
    writeOut: (s) => io.out(s.replace(/\n$/, "")),
    writeErr: (s) => io.err(s.replace(/\n$/, "")),
  });
}

function graphOf(appDir: string): string {
  return resolve(appDir, "graph.yml");
}

/** A path as shown to the user: relative to the working directory when inside it. */
function show(io: CliIo, path: string): string {
  const rel = relative(io.cwd, path);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** Quotes a command-line argument for a POSIX shell when needed. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg)
    ? arg
    : `'${arg.replaceAll("'", `'\\''`)}'`;
}
