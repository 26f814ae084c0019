/**
 * Node parameters: the types a node may declare, reading declarations from
 * node source, coercing values, and parsing `--param name=value`.
 *
 * @module
 */

export * from "./params.ts";
export * from "./redact.ts";
