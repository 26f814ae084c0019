/**
 * Runnel's entry point: `deno run -A main.ts <command>` or the compiled
 * `runnel` binary. The only place that exits the process.
 *
 * @module
 */

import { main } from "./cli/mod.ts";

export { main };

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
