/**
 * Node parameters: static discovery, precedence and coercion.
 *
 * Declarations are read from the node's source (`parameter("name", { type,
 * default, description })` with literal arguments), so that a missing value
 * is reported before the node starts and the dashboard can build a form.
 * Values come, highest first, from `--param` on the command line, then
 * graph.yml `parameters:`, then the declared default.
 *
 * Pure and dependency-free: the worker imports it to coerce values too.
 *
 * @module
 */

import { parseLiteral } from "./_literal.ts";

/** The parameter types nodes may declare. */
export const PARAMETER_TYPES = [
  "string",
  "integer",
  "float",
  "boolean",
  "date",
  "datetime",
  "list",
] as const;

/** One of {@link PARAMETER_TYPES}. */
export type ParameterType = typeof PARAMETER_TYPES[number];

/** A parameter declaration found in a node's code. */
export interface ParameterDecl {
  name: string;
  type: ParameterType;
  /** `undefined` when there is no default. */
  default?: unknown;
  description?: string;
  secret?: boolean;
}

/**
 * Finds `parameter("name", { … })` calls whose arguments are literals.
 * Calls with computed arguments are left to run time.
 */
export function extractParameters(source: string): ParameterDecl[] {
  const out = new Map<string, ParameterDecl>();
  const re = /\bparameter\s*(?:<[^>()]*>)?\s*\(\s*(["'])([A-Za-z_][\w]*)\1/g;
  for (const m of source.matchAll(re)) {
    const name = m[2]!;
    let rest = source.slice(m.index! + m[0].length).trimStart();
    let opts: Record<string, unknown> = {};
    if (rest.startsWith(",")) {
      rest = rest.slice(1).trimStart();
      if (rest.startsWith("{")) {
        const parsed = parseLiteral(rest);
        if (parsed !== undefined && isRecord(parsed.value)) opts = parsed.value;
      }
    }
    const type = PARAMETER_TYPES.includes(opts.type as ParameterType)
      ? opts.type as ParameterType
      : inferParameterType(opts.default) ?? "string";
    const decl: ParameterDecl = { name, type };
    if ("default" in opts) decl.default = opts.default;
    if (typeof opts.description === "string") {
      decl.description = opts.description;
    }
    if (opts.secret === true) decl.secret = true;
    if (!out.has(name)) out.set(name, decl);
  }
  return [...out.values()];
}

/** The type a parameter gets from its default when it declares none. */
export function inferParameterType(v: unknown): ParameterType | undefined {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float";
    case "boolean":
      return "boolean";
  }
  if (Array.isArray(v)) return "list";
  if (v instanceof Date) return "datetime";
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Coerces a value (a CLI string, a YAML value or a default) to `type`.
 * Throws an Error whose message says what was expected.
 */
export function coerceParameter(type: ParameterType, value: unknown): unknown {
  const fail = (what: string): never => {
    throw new Error(`expected ${what}, got ${JSON.stringify(value)}`);
  };
  switch (type) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") {
        return String(value);
      }
      return fail("a string");
    case "integer": {
      const n = typeof value === "string" && /^[+-]?\d+$/.test(value.trim())
        ? Number(value)
        : value;
      return typeof n === "number" && Number.isSafeInteger(n)
        ? n
        : fail("an integer");
    }
    case "float": {
      const n = typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : value;
      return typeof n === "number" && Number.isFinite(n) ? n : fail("a number");
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (typeof value === "string") {
        const s = value.trim().toLowerCase();
        if (["true", "yes", "1", "on"].includes(s)) return true;
        if (["false", "no", "0", "off"].includes(s)) return false;
      }
      return fail("true or false");
    case "date":
      if (value instanceof Date) return value.toISOString().slice(0, 10);
      if (
        typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) &&
        !isNaN(Date.parse(value))
      ) return value;
      return fail("a date like 2026-01-31");
    case "datetime": {
      if (value instanceof Date) return value;
      const d = typeof value === "string" ? new Date(value) : undefined;
      return d !== undefined && !isNaN(d.getTime())
        ? d
        : fail("a date-time like 2026-01-31T12:00:00Z");
    }
    case "list":
      if (Array.isArray(value)) return value;
      if (typeof value === "string") {
        const s = value.trim();
        if (s.startsWith("[")) {
          try {
            const parsed = JSON.parse(s);
            if (Array.isArray(parsed)) return parsed;
          } catch { /* fall through to the error */ }
          return fail("a JSON array or a comma-separated list");
        }
        return s === "" ? [] : s.split(",").map((x) => x.trim());
      }
      return fail("a list");
  }
}

/** A `--param` from the command line: for every node, or for one (`Title.name=value`). */
export interface CliParam {
  /** Node title or id, when targeted. */
  node?: string;
  name: string;
  value: string;
}

/** Parses `name=value` or `Node Title.name=value`. Returns an error message on bad syntax. */
export function parseCliParam(text: string): CliParam | string {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    return `--param "${text}" is not of the form name=value (or "Node Title.name=value")`;
  }
  const key = text.slice(0, eq).trim();
  const value = text.slice(eq + 1);
  const dot = key.lastIndexOf(".");
  const name = dot === -1 ? key : key.slice(dot + 1);
  if (!/^[A-Za-z_]\w*$/.test(name)) {
    return `--param "${text}": "${name}" is not a valid parameter name`;
  }
  return dot === -1
    ? { name, value }
    : { node: key.slice(0, dot).trim(), name, value };
}
