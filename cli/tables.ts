/**
 * `runnel tables` lists tables with row counts; `runnel tables show <name>`
 * previews rows (`--limit`, `--offset`, `--json`).
 *
 * @module
 */

import { Command, Option } from "npm:commander@^14.0.3";
import { NotFoundError } from "../core/errors.ts";
import { formatCell, formatCount, formatTable } from "../core/format.ts";
import {
  appOption,
  type CliContext,
  openExistingStore,
  positiveInt,
  storeOption,
} from "./_app.ts";

/** Builds the `tables` command. */
export function tablesCommand(ctx: CliContext): Command {
  const cmd = new Command("tables")
    .description("List the app's tables with row counts")
    .addOption(appOption())
    .addOption(storeOption())
    .option("--json", "print the list as JSON")
    .action(async (opts) => {
      const store = await openExistingStore(ctx, opts);
      const tables = store ? await store.listTables() : [];
      await store?.close();
      if (opts.json) {
        ctx.io.out(JSON.stringify(
          tables.map((t) => ({
            name: t.name,
            rows: t.rowCount,
            version: t.version,
            updatedAt: t.updatedAt.toISOString(),
            schema: t.schema,
            uniqueOn: t.uniqueOn,
            writtenBy: t.nodeId ?? null,
          })),
          null,
          2,
        ));
        return;
      }
      if (tables.length === 0) {
        ctx.io.out("No tables yet: run the graph first (runnel run).");
        return;
      }
      for (
        const l of formatTable(
          ["TABLE", "ROWS", "VERSION", "UPDATED", "WRITTEN BY"],
          tables.map((t) => [
            t.name,
            formatCount(t.rowCount),
            String(t.version),
            t.updatedAt.toISOString().replace("T", " ").slice(0, 19),
            t.nodeId ?? "",
          ]),
        )
      ) ctx.io.out(l);
    });

  cmd.command("show")
    .description("Preview a table's rows")
    .argument("<table>", "table name")
    .addOption(appOption())
    .addOption(storeOption())
    .addOption(
      new Option("-n, --limit <n>", "rows to show").default(20).argParser(
        positiveInt("--limit"),
      ),
    )
    .addOption(
      new Option("--offset <n>", "rows to skip").default(0).argParser(
        (v: string) => v === "0" ? 0 : positiveInt("--offset")(v),
      ),
    )
    .option("--json", "print the rows as a JSON array")
    .addHelpText(
      "after",
      "\nExample:\n  runnel tables show scored_leads --limit 5 --json",
    )
    .action(async (name: string, opts) => {
      const store = await openExistingStore(ctx, opts);
      try {
        const info = await store?.describeTable(name);
        if (!store || !info) {
          const names = store
            ? (await store.listTables()).map((t) => t.name)
            : [];
          throw new NotFoundError(
            `No table "${name}" in this app${
              names.length > 0 ? ` (tables: ${names.join(", ")})` : ""
            }: check the name, or run the node that writes it`,
          );
        }
        const rows = await store.readRows(name, {
          offset: opts.offset,
          limit: opts.limit,
        });
        if (opts.json) {
          ctx.io.out(JSON.stringify(rows, jsonReplacer, 2));
          return;
        }
        const cols = Object.keys(info.schema);
        for (
          const l of formatTable(
            cols,
            rows.map((r) => cols.map((c) => formatCell(r[c]))),
          )
        ) ctx.io.out(l);
        const shown = rows.length === 0
          ? "no rows"
          : `rows ${opts.offset + 1}-${opts.offset + rows.length}`;
        ctx.io.err(`(${shown} of ${formatCount(info.rowCount)})`);
      } finally {
        await store?.close();
      }
    });
  return cmd;
}

/** JSON for rows: binary as base64; dates already serialize as ISO strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) {
    let s = "";
    for (const b of value) s += String.fromCharCode(b);
    return btoa(s);
  }
  return value;
}
