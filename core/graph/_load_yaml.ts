/**
 * YAML AST helpers for the graph.yml loader: locations, issue collection,
 * typed reads that report what is wrong instead of throwing, and
 * "did you mean" suggestions.
 *
 * @module
 */

import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from "npm:yaml@^2.8.0";
import type { GraphIssue, SourceLocation } from "../errors.ts";
import type { GraphFs } from "./load.ts";

/** State shared by every step of one parse. */
export interface Ctx {
  /** Absolute app directory, as given. */
  dir: string;
  /** The app directory after symlinks are resolved (for containment checks). */
  realDir: string;
  /** Absolute path of graph.yml. */
  file: string;
  displayFile: string;
  fs: GraphFs;
  doc: Document;
  lc: LineCounter;
  issues: GraphIssue[];
}

/** Anything that has a position: an AST node, a pair, or a raw offset. */
export type At = Node | Pair | number | null | undefined;

/** Location of `at` in graph.yml (line 1, col 1 when unknown). */
export function locOf(ctx: Ctx, at: At): SourceLocation {
  let offset = 0;
  if (typeof at === "number") offset = at;
  else if (isPair(at)) return locOf(ctx, at.key as Node);
  else if (at?.range) offset = at.range[0];
  const { line, col } = ctx.lc.linePos(offset);
  return { file: ctx.displayFile, line, col };
}

/** Records one issue. */
export function report(ctx: Ctx, at: At, message: string): void {
  ctx.issues.push({ message, loc: locOf(ctx, at) });
}

/** Follows aliases (`*name`) to the node they stand for. */
export function deref(ctx: Ctx, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(ctx.doc) as Node | undefined) ?? null;
  return (node ?? null) as Node | null;
}

/** True for an absent value: no node at all, or an empty / `null` / `~` scalar. */
export function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** Short description of a value's shape, for "must be X, not Y" messages. */
export function describe(node: Node | null): string {
  if (isNull(node)) return "empty";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
    if (typeof v === "boolean") return `the boolean ${v}`;
    if (typeof v === "number" || typeof v === "bigint") {
      return `the number ${String(v)}`;
    }
    return "a scalar";
  }
  return "an unsupported value";
}

/** One key of a mapping, with its pair and dereferenced value. */
export interface Entry {
  key: string;
  pair: Pair;
  keyNode: Node;
  value: Node | null;
}

/**
 * Reads a mapping's entries in file order. Reports non-string keys,
 * duplicate keys and (when `allowed` is given) unknown keys with a
 * "did you mean" suggestion. Bad entries are left out.
 */
export function entries(
  ctx: Ctx,
  map: YAMLMap,
  where: string,
  allowed?: readonly string[],
): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const pair of map.items) {
    const keyNode = deref(ctx, pair.key);
    if (
      !isScalar(keyNode) || keyNode.value === null ||
      typeof keyNode.value === "object"
    ) {
      report(
        ctx,
        keyNode ?? pair.value as Node,
        `${where}: keys must be plain names`,
      );
      continue;
    }
    const key = String(keyNode.value);
    const first = out.get(key);
    if (first !== undefined) {
      const line = locOf(ctx, first.keyNode).line;
      report(
        ctx,
        keyNode,
        `${where}: duplicate key "${key}" (first set on line ${line}): keep only one of them`,
      );
      continue;
    }
    if (allowed !== undefined && !allowed.includes(key)) {
      report(ctx, keyNode, unknownKeyMessage(where, key, allowed));
      continue;
    }
    out.set(key, {
      key,
      pair: pair as Pair,
      keyNode,
      value: deref(ctx, pair.value),
    });
  }
  return out;
}

/** Message for a key that is not in `allowed`, with a suggestion when one is close. */
export function unknownKeyMessage(
  where: string,
  key: string,
  allowed: readonly string[],
): string {
  const guess = didYouMean(key, allowed);
  const hint = guess !== undefined
    ? `did you mean "${guess}"?`
    : `allowed keys are ${allowed.join(", ")}`;
  return `${where}: unknown key "${key}": ${hint}`;
}

/** The closest candidate to `word` if it is a plausible typo, else undefined. */
export function didYouMean(
  word: string,
  candidates: readonly string[],
): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === lower
      ? 0
      : editDistance(lower, c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return bestDist <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2] as number[])[j - 2] as number + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** The value as a mapping; reports (and returns undefined) otherwise. Null → undefined silently. */
export function asMap(
  ctx: Ctx,
  node: Node | null,
  what: string,
  example: string,
): YAMLMap | undefined {
  if (isNull(node)) return undefined;
  if (isMap(node)) return node;
  const fix = isSeq(node)
    ? `write it as key: value lines instead of "- " items, e.g. ${example}`
    : `e.g. ${example}`;
  report(ctx, node, `${what} must be a mapping, not ${describe(node)}: ${fix}`);
  return undefined;
}

/** The value as a list; reports (and returns undefined) otherwise. Null → undefined silently. */
export function asSeq(
  ctx: Ctx,
  node: Node | null,
  what: string,
  example: string,
): YAMLSeq | undefined {
  if (isNull(node)) return undefined;
  if (isSeq(node)) return node;
  const fix = isMap(node)
    ? `write each entry as a "- " item, e.g. ${example}`
    : `put the value in a list, e.g. ${example}`;
  report(ctx, node, `${what} must be a list, not ${describe(node)}: ${fix}`);
  return undefined;
}

/** The value as a non-empty string; reports (and returns undefined) otherwise. */
export function asString(
  ctx: Ctx,
  node: Node | null,
  at: At,
  what: string,
): string | undefined {
  if (isScalar(node) && typeof node.value === "string") {
    if (node.value.trim() !== "") return node.value;
    report(ctx, node, `${what} is empty: give it a value`);
    return undefined;
  }
  const quote = isScalar(node) && !isNull(node)
    ? `: put it in quotes ("${String(node.value)}")`
    : "";
  report(
    ctx,
    isNull(node) ? at : node,
    `${what} must be a string, not ${describe(node)}${quote}`,
  );
  return undefined;
}
