/**
 * Running SQL nodes: a `.sql` file whose one SELECT, rendered from its
 * template (see `template.ts`), replaces the node's output table inside
 * the store. Runs in the host process: no worker is needed because the SQL
 * only reaches the tables the node declares, through the store's engine.
 *
 * @module
 */

import { NodeContractError, NodeFailedError } from "../errors.ts";
import { type NodeSpec, outputTables } from "../graph/graph.ts";
import type { ParameterDecl } from "../params/params.ts";
import type { Publication } from "../../stores/store.ts";
import {
  lineOfSqlError,
  parseSqlTemplate,
  type RenderedSql,
} from "./template.ts";

/** The output port an SQL node writes when it declares several (as in Patterns). */
export const SQL_OUTPUT_PORT = "output_table";

/**
 * The table an SQL node writes: the one behind port `output_table` when
 * declared, else the node's only output. Throws NodeContractError when
 * that is ambiguous or there is none.
 */
export function sqlOutputTable(node: NodeSpec): string {
  const named = node.outputs[SQL_OUTPUT_PORT];
  if (named !== undefined) return named;
  const tables = outputTables(node);
  if (tables.length === 1) return tables[0]!;
  const what = `SQL node "${node.title}" (${node.relFile})`;
  if (tables.length === 0) {
    throw new NodeContractError(
      `${what} declares no output table, but its SELECT needs a table to replace: add one under outputs: of the function in graph.yml, e.g. outputs: { ${SQL_OUTPUT_PORT}: my_table }`,
    );
  }
  throw new NodeContractError(
    `${what} declares several outputs (${
      Object.keys(node.outputs).join(", ")
    }) but writes one table: name the one it writes ${SQL_OUTPUT_PORT} under outputs: in graph.yml`,
  );
}

/** What {@link executeSqlNode} needs. */
export interface SqlNodeRun {
  node: NodeSpec;
  publication: Publication;
  /** Parameter values by name (`--param` over graph.yml), not yet coerced. */
  values: Record<string, unknown>;
  /** The file's text, when already read; otherwise `node.file` is read. */
  source?: string;
  /** Cancels the statement where the store can (see `Publication.materialize`). */
  signal?: AbortSignal;
}

/**
 * Renders the node's SQL and materializes its result as the staged version
 * of the output table. Throws NodeContractError for template and wiring
 * problems, NodeFailedError (`SQL error in file:line: …`) when the
 * database rejects the SQL. Committing is the caller's job.
 */
export async function executeSqlNode(
  run: SqlNodeRun,
): Promise<{ rowsWritten: number }> {
  const { node, publication } = run;
  const output = sqlOutputTable(node);
  const text = run.source ?? await readNodeFile(node);
  const template = parseSqlTemplate(text, node.relFile);
  for (const ref of template.tableRefs) {
    if (node.inputs[ref.port] !== undefined) continue;
    const ports = Object.keys(node.inputs);
    throw new NodeContractError(
      `SQL node "${node.title}" reads {{ Table("${ref.port}") }} (${ref.loc.file}:${ref.loc.line}:${ref.loc.col}), but "${ref.port}" is not one of its inputs (${
        ports.length > 0 ? ports.join(", ") : "it declares none"
      }): add it under inputs: of the function in graph.yml`,
    );
  }
  const allowed = [
    ...new Set(template.tables.map((port) => node.inputs[port]!)),
  ];
  const names = new Map<string, string>();
  const rendered: RenderedSql = await template.render(async (port) => {
    const name = await publication.sqlName(node.inputs[port]!);
    names.set(name, port);
    return name;
  }, run.values);
  try {
    const rowsWritten = await publication.materialize(
      output,
      rendered.sql,
      rendered.params,
      allowed,
      { signal: run.signal, timeoutMs: node.timeoutMs },
    );
    return { rowsWritten };
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err))
      .replace(/^\w+\(\) failed: /, "");
    const line = lineOfSqlError(text, rendered.sql, msg);
    const at = line === undefined ? node.relFile : `${node.relFile}:${line}`;
    throw new NodeFailedError(`SQL error in ${at}: ${showPorts(msg, names)}`, {
      cause: err,
    });
  }
}

/** Replaces the store's physical table names in a message by the tags that produced them. */
function showPorts(msg: string, names: Map<string, string>): string {
  for (const [name, port] of names) {
    const tag = `{{ Table("${port}") }}`;
    msg = msg.replaceAll(name, tag);
    const inner = /^"(.+)"$/.exec(name)?.[1]?.replaceAll('""', '"');
    if (inner !== undefined) msg = msg.replaceAll(inner, tag);
  }
  return msg;
}

async function readNodeFile(node: NodeSpec): Promise<string> {
  try {
    return await Deno.readTextFile(node.file);
  } catch (err) {
    throw new NodeContractError(
      `Cannot read SQL node "${node.title}" from ${node.relFile}: ${
        (err as Error).message
      }`,
      { cause: err },
    );
  }
}

/** Parameter declarations of an SQL node file, for validation and forms. Throws NodeContractError on a bad template. */
export function sqlNodeParameters(
  source: string,
  file: string,
): ParameterDecl[] {
  return parseSqlTemplate(source, file).parameters;
}

/**
 * Canonical text of an SQL node file for its cache key: the same under
 * whitespace and comment edits, different when the SQL, a table reference
 * or a parameter declaration changes.
 */
export function normalizedSqlForCache(source: string, file: string): string {
  return parseSqlTemplate(source, file).normalized();
}
