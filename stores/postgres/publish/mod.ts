/**
 * Publishing on PostgreSQL: staged table versions filled by binary COPY or
 * upserts, checked (keys, types), materialized from SQL run in the sandbox
 * role, and committed in one transaction, either as new versions or as
 * deltas appended in place.
 *
 * @module
 */

export { PgPublication } from "./_publication.ts";
export { collectGarbage } from "./_garbage.ts";
