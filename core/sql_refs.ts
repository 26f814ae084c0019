/**
 * Table references in SQL text: `{{ Table("port") }}` names a declared port
 * and `{{ this }}` the table a query runs on. Both render to the store's
 * quoted identifier of the visible version, never to user text.
 *
 * @module
 */

import { NodeContractError } from "./errors.ts";

const REF = /\{\{\s*(?:this|Table\(\s*(["'])([^"']*)\1\s*\))\s*\}\}/g;
const ANY_TAG = /\{\{[\s\S]*?\}\}/g;

/**
 * Replaces every table reference using `resolve` (called with the port, or
 * `undefined` for `{{ this }}`). Any other `{{ … }}` tag is an error.
 */
export async function renderTableRefs(
  sql: string,
  resolve: (port: string | undefined) => Promise<string>,
): Promise<string> {
  for (const tag of sql.match(ANY_TAG) ?? []) {
    if (!new RegExp(`^${REF.source}$`).test(tag)) {
      throw new NodeContractError(
        `Unknown template tag ${tag} in SQL: use {{ this }} or {{ Table("port") }}`,
      );
    }
  }
  const names = new Map<string, string>();
  for (const m of sql.matchAll(REF)) {
    const key = m[2] ?? "\u0000this";
    if (!names.has(key)) names.set(key, await resolve(m[2]));
  }
  return sql.replace(REF, (_all, _q, port) => names.get(port ?? "\u0000this")!);
}
