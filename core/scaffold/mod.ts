/**
 * `runnel create`: new apps, nodes and tables, written from templates and
 * added to `graph.yml` in place, plus the `runnel.d.ts` types file every
 * new app gets.
 *
 * @module
 */

export * from "./scaffold.ts";
export * from "./runnel_d_ts.ts";
