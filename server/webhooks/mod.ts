/**
 * Webhook ingestion: parsing and checking bodies (JSON, arrays, JSON Lines;
 * UTF-8 and JSON both stores keep as they are), and appending records to
 * webhook tables in shared commits.
 *
 * @module
 */

export * from "./parse.ts";
export * from "./writer.ts";
