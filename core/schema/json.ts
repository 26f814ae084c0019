/**
 * What counts as a JSON value in Runnel (Json columns, webhook records,
 * node state): plain objects, arrays, well-formed strings, finite numbers,
 * booleans and null, nested at most {@link MAX_JSON_DEPTH} levels, with no
 * cycles. Both stores accept exactly these, so a value one takes the other
 * takes too (PostgreSQL's jsonb refuses lone surrogates, for one).
 *
 * @module
 */

/** How deeply a JSON value may nest: deeper ones are refused, so that no reader ever overflows its stack. */
export const MAX_JSON_DEPTH = 64;

/** Options of {@link jsonProblem}. */
export interface JsonCheckOptions {
  /** Deepest nesting allowed (default {@link MAX_JSON_DEPTH}). */
  maxDepth?: number;
  /** Object members whose value is `undefined` are skipped, as JSON.stringify skips them. */
  allowUndefinedMembers?: boolean;
}

const EXIT = Symbol("exit");

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** What `v` is, in a few words ("an array", "a Map", "a bigint"). */
export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") {
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    return typeof name === "string" && name !== "Object"
      ? `a ${name}`
      : "an object";
  }
  return `a ${typeof v}`;
}

function stringProblem(s: string): string | undefined {
  return s.isWellFormed()
    ? undefined
    : `it holds a string with a lone surrogate (${
      JSON.stringify(s.slice(0, 40))
    }), which is not Unicode text`;
}

/**
 * Why `v` is not a JSON value as Runnel accepts it (see the module doc),
 * or undefined when it is one. Iterative, so any depth is safe to check.
 */
export function jsonProblem(
  v: unknown,
  opts: JsonCheckOptions = {},
): string | undefined {
  if (typeof v === "string") return stringProblem(v);
  if (typeof v === "boolean" || v === null) return undefined;
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const stack: [unknown, number][] = [[v, 0]];
  const path = new Set<object>();
  const open: object[] = [];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (x === EXIT) {
      path.delete(open.pop()!);
      continue;
    }
    switch (typeof x) {
      case "string": {
        const p = stringProblem(x);
        if (p !== undefined) return p;
        continue;
      }
      case "boolean":
        continue;
      case "number":
        if (!Number.isFinite(x)) {
          return `it holds the number ${x}, which JSON cannot represent`;
        }
        continue;
      case "object":
        break;
      default:
        return `it holds ${kindOf(x)}`;
    }
    if (x === null) continue;
    const isArray = Array.isArray(x);
    if (!isArray && !isPlainObject(x)) return `it holds ${kindOf(x)}`;
    if (path.has(x)) return "it refers to itself (a cycle)";
    if (depth >= maxDepth) return `it nests deeper than ${maxDepth} levels`;
    path.add(x);
    open.push(x);
    stack.push([EXIT, depth]);
    if (isArray) {
      for (const child of x) stack.push([child, depth + 1]);
      continue;
    }
    for (const [key, child] of Object.entries(x)) {
      const p = stringProblem(key);
      if (p !== undefined) return p.replace("a string", "a key");
      if (child === undefined && opts.allowUndefinedMembers) continue;
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}
