/**
 * The app's graph: the model (nodes, tables, stages, webhooks), loading and
 * validating `graph.yml` in the Patterns devkit format (every issue at once,
 * each with its file:line:col), editing it in place and rendering it as
 * Mermaid or DOT.
 *
 * The naming rules the loader applies (ids from file stems, titles,
 * identifiers, "did you mean") are exported too, so that `runnel create`
 * and node selection follow exactly the same rules.
 *
 * @module
 */

export * from "./graph.ts";
export * from "./load.ts";
export * from "./edit.ts";
export * from "./render.ts";
export { didYouMean } from "./_load_yaml.ts";
export { nameError } from "./_load_ports.ts";
export { idFromStem, slugify, stemOf, titleFromStem } from "./_load_paths.ts";
