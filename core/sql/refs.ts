/**
 * Table references in SQL text: `{{ Table("port") }}` names a declared port
 * and `{{ this }}` the table a query runs on. Both render to the store's
 * quoted identifier of the visible version, never to user text. Tags inside
 * comments, string literals and quoted identifiers are left alone.
 *
 * SQL node files use the fuller template of `template.ts`.
 *
 * @module
 */

import { NodeContractError } from "../errors.ts";
import { lexSql } from "./_lex.ts";
import { parseTag, type TagCall } from "./_tag.ts";

/**
 * Replaces every table reference using `resolve` (called once per distinct
 * reference, with the port, or `undefined` for `{{ this }}`). Any other
 * `{{ … }}` tag is an error.
 */
export async function renderTableRefs(
  sql: string,
  resolve: (port: string | undefined) => Promise<string>,
): Promise<string> {
  const segs = lexSql(sql, true);
  const refs = new Map<number, string | undefined>();
  for (const [i, s] of segs.entries()) {
    if (s.kind !== "tag" || s.unterminated) continue;
    const tag = sql.slice(s.start, s.end);
    const port = tableRef(sql, s.start, s.end);
    if (port === null) {
      throw new NodeContractError(
        `Unknown template tag ${tag} in SQL: use {{ this }} or {{ Table("port") }}`,
      );
    }
    refs.set(i, port);
  }
  const names = new Map<string | undefined, string>();
  for (const port of refs.values()) {
    if (!names.has(port)) names.set(port, await resolve(port));
  }
  return segs.map((s, i) =>
    refs.has(i) ? names.get(refs.get(i))! : sql.slice(s.start, s.end)
  ).join("");
}

/** The port of a table tag, `undefined` for `{{ this }}`, `null` for anything else. */
function tableRef(
  sql: string,
  start: number,
  end: number,
): string | undefined | null {
  let call: TagCall;
  try {
    call = parseTag(sql, start, end);
  } catch {
    return null;
  }
  if (call.name === "this" && !call.call) return undefined;
  const arg = call.args[0]?.value;
  return call.name === "Table" && call.call && call.args.length === 1 &&
      call.kwargs.size === 0 && typeof arg === "string"
    ? arg
    : null;
}
