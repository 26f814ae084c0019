/**
 * Publishing on SQLite: staged table versions written in batches, checked
 * (keys, types), materialized from SQL, and committed in one transaction,
 * either as new copy-on-write versions or as deltas appended in place.
 *
 * @module
 */

export { SqlitePublication } from "./_publication.ts";
export { collectGarbage } from "./_commit.ts";
export { QueryProcess, serveQueryProcess } from "./_query_process.ts";
