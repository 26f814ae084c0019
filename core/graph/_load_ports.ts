/**
 * `inputs:`, `outputs:` and `parameters:` of a graph.yml node, plus the
 * naming rules for ports and tables.
 *
 * @module
 */

import { isMap, isScalar, isSeq, type Node } from "npm:yaml@^2.8.0";
import type { SourceLocation } from "../errors.ts";
import { IDENT } from "./_load_paths.ts";
import {
  type Ctx,
  deref,
  describe,
  entries,
  isNull,
  locOf,
  report,
} from "./_load_yaml.ts";

/** Why `name` cannot name a port/table/parameter (`what`), or undefined when it can. */
export function nameError(name: string, what: string): string | undefined {
  if (!IDENT.test(name)) {
    return `${what} "${name}" is not a valid name: use letters, digits and _ (not starting with a digit)`;
  }
  if (name.toLowerCase().startsWith("_runnel") || name.startsWith("__")) {
    return `${what} "${name}" is reserved (names starting with "_runnel" or "__" belong to Runnel): rename it`;
  }
  return undefined;
}

/**
 * Reads `inputs:` or `outputs:`: a mapping `port: table` (empty value → the
 * table of the same name) or a list of names. Records `<side>.<port>` in
 * `keyLocs`; bad entries are reported and dropped.
 */
export function parsePorts(
  ctx: Ctx,
  node: Node | null,
  who: string,
  side: "inputs" | "outputs",
  keyLocs: Record<string, SourceLocation>,
): Record<string, string> {
  const ports: Record<string, string> = {};
  const portOfTable = new Map<string, string>();
  const add = (port: string, table: string, portAt: Node, tableAt: Node) => {
    const portBad = port === table ? undefined : nameError(port, "port name");
    const bad = portBad ?? nameError(table, "table name");
    if (bad !== undefined) {
      report(
        ctx,
        portBad !== undefined ? portAt : tableAt,
        `${who}: ${side}: ${bad}`,
      );
      return;
    }
    const other = portOfTable.get(table);
    if (side === "outputs" && other !== undefined) {
      report(
        ctx,
        tableAt,
        `${who}: outputs "${other}" and "${port}" both write table "${table}": write each table through one port only`,
      );
      return;
    }
    portOfTable.set(table, port);
    ports[port] = table;
    keyLocs[`${side}.${port}`] = locOf(ctx, portAt);
  };

  if (isNull(node)) return ports;
  if (isMap(node)) {
    for (const e of entries(ctx, node, `${who}: ${side}`).values()) {
      if (isNull(e.value)) add(e.key, e.key, e.keyNode, e.keyNode);
      else if (isScalar(e.value) && typeof e.value.value === "string") {
        add(e.key, e.value.value, e.keyNode, e.value);
      } else {
        report(
          ctx,
          e.value,
          `${who}: ${side}.${e.key} must name one table, not ${
            describe(e.value)
          }: e.g. ${e.key}: ${e.key}`,
        );
      }
    }
  } else if (isSeq(node)) {
    const seen = new Map<string, number>();
    for (const raw of node.items) {
      const item = deref(ctx, raw);
      if (!isScalar(item) || typeof item.value !== "string") {
        report(
          ctx,
          item,
          `${who}: ${side} entries must be table names, not ${describe(item)}`,
        );
        continue;
      }
      const line = seen.get(item.value);
      if (line !== undefined) {
        report(
          ctx,
          item,
          `${who}: ${side} lists "${item.value}" twice (also on line ${line}): remove one`,
        );
        continue;
      }
      seen.set(item.value, locOf(ctx, item).line);
      add(item.value, item.value, item, item);
    }
  } else {
    const text = isScalar(node) ? String(node.value) : "name";
    report(
      ctx,
      node,
      `${who}: ${side} must be a list of table names or a mapping port: table, not ${
        describe(node)
      }: e.g. ${side}: [${text}]`,
    );
  }
  return ports;
}

/**
 * Reads `parameters:` / `parameter_values:`: a mapping name → scalar or list.
 * Records `parameters.<name>` in `keyLocs`.
 */
export function parseParameters(
  ctx: Ctx,
  node: Node | null,
  who: string,
  spelling: string,
  keyLocs: Record<string, SourceLocation>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  if (isNull(node)) return values;
  if (!isMap(node)) {
    const fix = isSeq(node)
      ? "write name: value lines instead of a list"
      : "e.g. threshold: 0.5";
    report(
      ctx,
      node,
      `${who}: ${spelling} must be a mapping of name: value, not ${
        describe(node)
      }: ${fix}`,
    );
    return values;
  }
  for (const e of entries(ctx, node, `${who}: ${spelling}`).values()) {
    if (!IDENT.test(e.key)) {
      report(
        ctx,
        e.keyNode,
        `${who}: parameter name "${e.key}" is not valid: use letters, digits and _ (not starting with a digit)`,
      );
      continue;
    }
    if (isMap(e.value)) {
      report(
        ctx,
        e.value,
        `${who}: parameter "${e.key}" must be a scalar or a list, not a mapping: flatten it into separate parameters`,
      );
      continue;
    }
    values[e.key] = e.value === null ? null : e.value.toJS(ctx.doc);
    keyLocs[`parameters.${e.key}`] = locOf(ctx, e.keyNode);
  }
  return values;
}
