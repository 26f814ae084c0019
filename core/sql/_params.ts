// `{{ Parameter(…) }}` tags of SQL nodes: reading one use, merging the uses
// of one name into a declaration, and turning a value into bound
// placeholders.

import {
  coerceParameter,
  inferParameterType,
  PARAMETER_TYPES,
  type ParameterDecl,
  type ParameterType,
} from "../params/params.ts";
import type { TagArg, TagCall } from "./_tag.ts";

/** Reports a problem at an offset of the template text; never returns. */
export type Fail = (message: string, offset: number) => never;

/** The fields a use spells out, in canonical order. */
const FIELDS = ["type", "default", "description", "secret"] as const;
type Field = typeof FIELDS[number];

/** One `{{ Parameter(…) }}` tag. */
export interface ParamUse {
  name: string;
  /** Offset of the tag's `{{`. */
  offset: number;
  explicit: Map<Field, TagArg>;
  /** Canonical spelling of the tag, for normalization. */
  canonical: string;
}

const NAME = /^[A-Za-z_]\w*$/;

/** Validates one Parameter tag. */
export function readParamUse(
  call: TagCall,
  tagStart: number,
  fail: Fail,
): ParamUse {
  const first = call.args[0];
  if (
    call.args.length !== 1 || typeof first?.value !== "string" ||
    !NAME.test(first.value)
  ) {
    fail(
      `Parameter() takes the parameter name (letters, digits, _) as its one positional argument, e.g. {{ Parameter("limit", type="integer", default=10) }}`,
      first?.offset ?? call.offset,
    );
  }
  const name = first!.value as string;
  const explicit = new Map<Field, TagArg>();
  for (const [key, arg] of call.kwargs) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      fail(
        `Parameter() has no argument "${key}"; use type=, default=, description= or secret=`,
        arg.offset,
      );
    }
    const v = arg.value;
    if (key === "type" && !PARAMETER_TYPES.includes(v as ParameterType)) {
      fail(
        `type of parameter "${name}" must be one of ${
          PARAMETER_TYPES.join(", ")
        }, got ${JSON.stringify(v)}`,
        arg.offset,
      );
    }
    if (key === "default" && v === null) {
      fail(
        `default of parameter "${name}" cannot be null; leave it out to make the parameter required`,
        arg.offset,
      );
    }
    if (key === "description" && typeof v !== "string") {
      fail(`description of parameter "${name}" must be a string`, arg.offset);
    }
    if (key === "secret" && typeof v !== "boolean") {
      fail(`secret of parameter "${name}" must be true or false`, arg.offset);
    }
    explicit.set(key as Field, arg);
  }
  const parts = [JSON.stringify(name)];
  for (const f of FIELDS) {
    const a = explicit.get(f);
    if (a) parts.push(`${f}=${JSON.stringify(a.value)}`);
  }
  return {
    name,
    offset: tagStart,
    explicit,
    canonical: `{{Parameter(${parts.join(",")})}}`,
  };
}

/**
 * Merges the uses of each name, in order of first use. A use may leave
 * fields out (`{{ Parameter("limit") }}` refers to a declaration elsewhere);
 * two uses that spell one field differently are an error.
 */
export function mergeParamUses(
  uses: ParamUse[],
  fail: Fail,
  where: (offset: number) => string,
): ParameterDecl[] {
  const byName = new Map<string, Map<Field, TagArg>>();
  for (const use of uses) {
    let fields = byName.get(use.name);
    if (!fields) byName.set(use.name, fields = new Map());
    for (const [f, arg] of use.explicit) {
      const prev = fields.get(f);
      if (!prev) fields.set(f, arg);
      else if (JSON.stringify(prev.value) !== JSON.stringify(arg.value)) {
        fail(
          `conflicting declarations of parameter "${use.name}": ${f}=${
            JSON.stringify(arg.value)
          } here but ${f}=${JSON.stringify(prev.value)} at ${
            where(prev.offset)
          }; declare it once and write {{ Parameter("${use.name}") }} elsewhere`,
          arg.offset,
        );
      }
    }
  }
  const out: ParameterDecl[] = [];
  for (const [name, fields] of byName) {
    const def = fields.get("default");
    const type = (fields.get("type")?.value as ParameterType | undefined) ??
      inferParameterType(def?.value) ?? "string";
    const decl: ParameterDecl = { name, type };
    if (def) {
      try {
        coerceParameter(type, def.value);
      } catch (err) {
        fail(
          `default of parameter "${name}" does not fit type ${type}: ${
            (err as Error).message
          }`,
          def.offset,
        );
      }
      decl.default = def.value;
    }
    const description = fields.get("description")?.value;
    if (typeof description === "string") decl.description = description;
    if (fields.get("secret")?.value === true) decl.secret = true;
    out.push(decl);
  }
  return out;
}

/** SQL that stands for an empty list inside `IN (…)`: matches nothing. */
export const EMPTY_LIST_SQL = "SELECT NULL WHERE 1 = 0";

/**
 * Values to bind for one parameter: one value, or one per element of a
 * list (rendered as `?, ?, …` for use inside `IN (…)`). Throws an Error
 * whose message says what was expected.
 */
export function bindValues(decl: ParameterDecl, raw: unknown): unknown[] {
  const v = coerceParameter(decl.type, raw);
  if (decl.type !== "list") return [v];
  const items = v as unknown[];
  for (const item of items) {
    if (
      item !== null && !["string", "number", "boolean"].includes(typeof item)
    ) {
      throw new Error(
        `expected a list of strings, numbers or booleans, got an element ${
          JSON.stringify(item)
        }`,
      );
    }
  }
  return items;
}

/** Placeholder text for `count` bound values of a parameter of `type`. */
export function placeholders(type: ParameterType, count: number): string {
  if (type !== "list") return "?";
  return count === 0 ? EMPTY_LIST_SQL : Array(count).fill("?").join(", ");
}
