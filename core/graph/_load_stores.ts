/**
 * `stores:` of graph.yml, and small shared readers.
 *
 * @module
 */

import { isScalar, type Node } from "npm:yaml@^2.8.0";
import type { StoreTableSpec } from "./graph.ts";
import { nameError } from "./_load_ports.ts";
import {
  asMap,
  asSeq,
  asString,
  type Ctx,
  deref,
  entries,
  isNull,
  locOf,
  report,
} from "./_load_yaml.ts";

const STORE_KEYS = ["table", "id", "schema"] as const;

/** A string value, or undefined when absent (empty) or invalid (reported). */
export function readOptionalString(
  ctx: Ctx,
  node: Node | null,
  what: string,
): string | undefined {
  return isNull(node) ? undefined : asString(ctx, node, node, what);
}

/** Reads the `stores:` list; duplicate tables and bad names are reported. */
export function parseStores(ctx: Ctx, node: Node | null): StoreTableSpec[] {
  const out: StoreTableSpec[] = [];
  const seq = asSeq(ctx, node, "stores", "stores: [{ table: raw_leads }]");
  const firstLine = new Map<string, number>();
  seq?.items.forEach((raw, i) => {
    const item = deref(ctx, raw);
    const example = `- table: ${
      isScalar(item) && typeof item.value === "string"
        ? item.value
        : "raw_leads"
    }`;
    const map = isNull(item)
      ? undefined
      : asMap(ctx, item, `stores entry ${i + 1}`, example);
    if (map === undefined) {
      if (isNull(item)) {
        report(ctx, item, `stores entry ${i + 1} is empty: e.g. ${example}`);
      }
      return;
    }
    const ents = entries(ctx, map, `stores entry ${i + 1}`, STORE_KEYS);
    const tableEntry = ents.get("table");
    if (tableEntry === undefined) {
      report(
        ctx,
        map,
        `stores entry ${i + 1}: missing table: add table: <name>`,
      );
      return;
    }
    const table = asString(
      ctx,
      tableEntry.value,
      tableEntry.keyNode,
      `stores entry ${i + 1}: table`,
    );
    const id = readOptionalString(
      ctx,
      ents.get("id")?.value ?? null,
      `store "${table}": id`,
    );
    const schema = readOptionalString(
      ctx,
      ents.get("schema")?.value ?? null,
      `store "${table}": schema`,
    );
    if (table === undefined) return;
    const bad = nameError(table, "table name");
    if (bad !== undefined) {
      return report(ctx, tableEntry.value, `stores entry ${i + 1}: ${bad}`);
    }
    const line = firstLine.get(table);
    if (line !== undefined) {
      return report(
        ctx,
        tableEntry.value,
        `Duplicate store table "${table}" (already declared on line ${line}): remove one of the entries`,
      );
    }
    firstLine.set(table, locOf(ctx, tableEntry.value).line);
    out.push({
      table,
      ...(id !== undefined ? { id } : {}),
      ...(schema !== undefined ? { schema } : {}),
      loc: locOf(ctx, map),
    });
  });
  return out;
}
