/**
 * SQL in Runnel: the template language of `.sql` nodes (`{{ table("x") }}`,
 * parameters, one SELECT), its lexer and normalisation for cache keys,
 * table references in `readSql`, and running a SQL node against a store.
 *
 * @module
 */

export * from "./template.ts";
export * from "./refs.ts";
export * from "./node.ts";
