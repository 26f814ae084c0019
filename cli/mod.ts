/**
 * The `runnel` command line: assembles one command per file and maps
 * errors to exit codes (usage and invalid graphs → 2, failures → 1).
 * Only `main.ts` exits the process.
 *
 * @module
 */

import { Command, CommanderError } from "npm:commander@^14.0.3";
import denoJson from "../deno.json" with { type: "json" };
import { RunnelError } from "../core/errors.ts";
import type { CliContext } from "./_app.ts";
import { createCommand } from "./create.ts";
import { graphCommand } from "./graph.ts";
import { listCommand } from "./list.ts";
import { type CliIo, denoIo, style } from "./_io.ts";
import { planCommand } from "./plan.ts";
import { runCommand } from "./run.ts";
import { runsCommand } from "./runs.ts";
import { serveCommand } from "./serve.ts";
import { storeCommand } from "./store.ts";
import { tablesCommand } from "./tables.ts";

/** Runnel's version, from deno.json. */
export const VERSION: string = denoJson.version;

/** Builds the full command tree (exported for tests and help generation). */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("runnel")
    .description(
      "Build, run and observe data graphs of TypeScript and SQL nodes.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option("--debug", "print stack traces (accepted anywhere on the line)")
    .enablePositionalOptions()
    .addCommand(createCommand(ctx.io))
    .addCommand(runCommand(ctx))
    .addCommand(planCommand(ctx))
    .addCommand(tablesCommand(ctx))
    .addCommand(runsCommand(ctx))
    .addCommand(graphCommand(ctx))
    .addCommand(storeCommand(ctx))
    .addCommand(serveCommand(ctx))
    .addCommand(listCommand(ctx))
    .addHelpText(
      "after",
      `
Quick start:
  runnel create app my-app
  runnel create node --app my-app --title "Ingest" ingest.ts
  runnel run --app my-app

Run "runnel <command> --help" for a command's options.`,
    );
  configure(program, ctx.io);
  return program;
}

function configure(cmd: Command, io: CliIo): void {
  cmd.exitOverride();
  if (cmd.commands.length > 0) cmd.enablePositionalOptions();
  cmd.showHelpAfterError("(add --help for usage)");
  cmd.configureOutput({
    writeOut: (s) => io.out(s.replace(/\n$/, "")),
    writeErr: (s) => io.err(s.replace(/\n$/, "")),
  });
  for (const sub of cmd.commands) configure(sub, io);
}

/** Runs the CLI with `args` (without the program name) and returns the exit code. */
export async function main(
  args: string[],
  io: CliIo = denoIo(),
): Promise<number> {
  const ctx: CliContext = { io, exitCode: 0 };
  const program = buildProgram(ctx);
  const debug = args.includes("--debug");
  args = args.filter((a) => a !== "--debug");
  if (args.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      ) return 0;
      return 2; // commander already printed the message and usage hint
    }
    const s = style(io);
    if (err instanceof RunnelError) {
      const lines = err.message.split("\n");
      io.err(`${s.red("error:")} ${lines[0]}`);
      for (const l of lines.slice(1)) io.err(`       ${l}`);
      if (debug && err.stack) io.err(err.stack);
      return err.exitCode;
    }
    io.err(
      `${s.red("internal error:")} ${
        err instanceof Error ? err.message : String(err)
      }`,
    );
    if (debug && err instanceof Error && err.stack) {
      io.err(err.stack);
    } else io.err("(run again with --debug for the stack trace)");
    return 1;
  }
}
