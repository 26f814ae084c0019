/**
 * Runnel's entry point: `deno run -A main.ts <command>` or the compiled
 * `runnel` binary. The only place that exits the process.
 *
 * @module
 */

import { main } from "./cli/mod.ts";
import { serveSandboxProcess } from "./core/sandbox/mod.ts";
import { serveQueryProcess } from "./stores/sqlite/mod.ts";

export { main };

if (import.meta.main) {
  // A compiled runnel starts a node's sandbox process as itself.
  if (Deno.args[0] === "__sandbox-process") {
    await serveSandboxProcess();
    Deno.exit(0);
  }
  // … and a SQLite store's query process (`readSql` under a deadline).
  if (Deno.args[0] === "__sqlite-query") {
    await serveQueryProcess(Deno.args[1]!);
    Deno.exit(0);
  }
  Deno.exit(await main(Deno.args));
}
