/**
 * Templated SQL of SQL nodes. A `.sql` node file is one SELECT (WITH
 * allowed) with two kinds of tags:
 *
 * - `{{ Table("port") }}` names one of the node's input ports and renders to
 *   the store's quoted identifier of that table (never to user text);
 * - `{{ Parameter("name", type="float", default=0.5, description="…",
 *   secret=true) }}` renders to a bound `?` placeholder (a `list` renders to
 *   `?, ?, …` for use inside `IN (…)`). Every use binds its own placeholder.
 *   A use may leave out fields that another use of the same name declares.
 *
 * Tags inside comments, string literals and quoted identifiers are plain
 * text. Rendering keeps the line structure of the file, so database errors
 * map back to its lines (see {@link lineOfSqlError}).
 *
 * @module
 */

import { NodeContractError } from "../errors.ts";
import type { ParameterDecl } from "../params/params.ts";
import type { SourceLocation } from "../errors.ts";
import { countNewlines, lexSql, positionAt, type SqlSegment } from "./_lex.ts";
import { parseTag, TagSyntaxError } from "./_tag.ts";
import {
  bindValues,
  type Fail,
  mergeParamUses,
  type ParamUse,
  placeholders,
  readParamUse,
} from "./_params.ts";
import { checkOneSelect } from "./_shape.ts";
import { normalizeSql } from "./_normalize.ts";

export { lineOfSqlError } from "./_error_line.ts";

/** One `{{ Table("port") }}` use. */
export interface SqlTableRef {
  port: string;
  loc: SourceLocation;
}

/** SQL ready for the store: `?` placeholders and their values, in order. */
export interface RenderedSql {
  sql: string;
  params: unknown[];
}

/** A parsed SQL node file. */
export interface SqlTemplate {
  /** Path shown in messages. */
  readonly file: string;
  /** Ports referenced with `{{ Table("port") }}`, deduplicated, in order of first use. */
  readonly tables: string[];
  /** Every table reference with its location. */
  readonly tableRefs: SqlTableRef[];
  /** Parameter declarations, one per name, in order of first use. */
  readonly parameters: ParameterDecl[];
  /**
   * Renders the SQL: tables through `resolveTable` (called once per port),
   * parameters from `values` (by name; missing ones take the declared
   * default) coerced to their declared type. A trailing `;` is dropped.
   * Throws NodeContractError for a missing or invalid value.
   */
  render(
    resolveTable: (port: string) => Promise<string>,
    values: Record<string, unknown>,
  ): Promise<RenderedSql>;
  /** Canonical text for cache keys: see `normalizeSql`. */
  normalized(): string;
}

type Piece =
  | { kind: "table"; port: string }
  | { kind: "param"; use: ParamUse };

/**
 * Parses and checks an SQL node file. Throws NodeContractError naming
 * `file:line:col` for bad tags, unterminated literals, conflicting
 * parameter declarations, or anything but one SELECT.
 */
export function parseSqlTemplate(text: string, file: string): SqlTemplate {
  const where = (offset: number) => {
    const { line, col } = positionAt(text, offset);
    return `${file}:${line}:${col}`;
  };
  const fail: Fail = (message, offset) => {
    throw new NodeContractError(`${where(offset)}: ${message}`);
  };
  const segs = lexSql(text, true);
  const pieces = new Map<number, Piece>();
  for (const [i, s] of segs.entries()) {
    if (s.unterminated) fail(unterminated(s), s.start);
    if (s.kind === "tag") pieces.set(i, readTag(text, s, fail));
  }
  const semi = checkOneSelect(text, segs, fail);
  const uses = [...pieces.values()].flatMap((p) =>
    p.kind === "param" ? [p.use] : []
  );
  const parameters = mergeParamUses(uses, fail, where);
  const tableRefs: SqlTableRef[] = [];
  for (const [i, p] of pieces) {
    if (p.kind !== "table") continue;
    const { line, col } = positionAt(text, segs[i]!.start);
    tableRefs.push({ port: p.port, loc: { file, line, col } });
  }
  return new Template(
    file,
    text,
    segs,
    pieces,
    semi ?? text.length,
    tableRefs,
    parameters,
    where,
  );
}

function unterminated(s: SqlSegment): string {
  switch (s.kind) {
    case "comment":
      return "this /* comment is never closed with */";
    case "string":
      return "this string literal is never closed";
    case "ident":
      return "this quoted identifier is never closed";
    default:
      return "this {{ tag is never closed with }}";
  }
}

const TAG_HELP =
  `SQL nodes support {{ Table("port") }} and {{ Parameter("name", type="…", default=…) }}`;

function readTag(text: string, s: SqlSegment, fail: Fail): Piece {
  const shown = text.slice(s.start, s.end);
  let call;
  try {
    call = parseTag(text, s.start, s.end);
  } catch (err) {
    if (!(err instanceof TagSyntaxError)) throw err;
    return fail(
      `bad template tag ${shown}: ${err.message}; ${TAG_HELP}`,
      err.offset,
    );
  }
  if (call.name === "Table" && call.call) {
    const arg = call.args[0];
    if (
      call.args.length !== 1 || call.kwargs.size > 0 ||
      typeof arg?.value !== "string" || arg.value === ""
    ) {
      fail(
        `Table() takes one port name in quotes, e.g. {{ Table("raw_leads") }}`,
        arg?.offset ?? call.offset,
      );
    }
    return { kind: "table", port: arg!.value as string };
  }
  if (call.name === "Parameter" && call.call) {
    return { kind: "param", use: readParamUse(call, s.start, fail) };
  }
  const hint = call.name === "this"
    ? `; an SQL node reads its inputs with {{ Table("port") }}`
    : "";
  return fail(`unknown template tag ${shown}: ${TAG_HELP}${hint}`, call.offset);
}

class Template implements SqlTemplate {
  readonly tables: string[];

  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly segs: SqlSegment[],
    private readonly pieces: Map<number, Piece>,
    private readonly stop: number,
    readonly tableRefs: SqlTableRef[],
    readonly parameters: ParameterDecl[],
    private readonly where: (offset: number) => string,
  ) {
    this.tables = [...new Set(tableRefs.map((r) => r.port))];
  }

  async render(
    resolveTable: (port: string) => Promise<string>,
    values: Record<string, unknown>,
  ): Promise<RenderedSql> {
    const bound = new Map<string, unknown[]>();
    for (const d of this.parameters) {
      bound.set(d.name, this.#bind(d, values[d.name] ?? d.default));
    }
    const names = new Map<string, string>();
    for (const port of this.tables) names.set(port, await resolveTable(port));
    let sql = "";
    const params: unknown[] = [];
    for (const [i, s] of this.segs.entries()) {
      const piece = this.pieces.get(i);
      if (!piece) {
        sql += s.start <= this.stop && this.stop < s.end
          // The final `;`: keep the columns and lines, drop the character.
          ? this.text.slice(s.start, this.stop) + " " +
            this.text.slice(this.stop + 1, s.end)
          : this.text.slice(s.start, s.end);
        continue;
      }
      if (piece.kind === "table") sql += names.get(piece.port)!;
      else {
        const decl = this.parameters.find((d) => d.name === piece.use.name)!;
        const vals = bound.get(decl.name)!;
        sql += placeholders(decl.type, vals.length);
        params.push(...vals);
      }
      sql += "\n".repeat(countNewlines(this.text, s.start, s.end));
    }
    return { sql, params };
  }

  #bind(d: ParameterDecl, raw: unknown): unknown[] {
    const use = this.pieces.values().find((p) =>
      p.kind === "param" && p.use.name === d.name
    ) as { use: ParamUse };
    const at = this.where(use.use.offset);
    if (raw === undefined) {
      throw new NodeContractError(
        `SQL node parameter "${d.name}" (${d.type}, ${at}) has no value and no default: pass --param ${d.name}=<value> or set it under parameters: of the function in graph.yml`,
      );
    }
    try {
      return bindValues(d, raw);
    } catch (err) {
      const why = d.secret
        ? "the value given is not valid"
        : (err as Error).message;
      throw new NodeContractError(
        `SQL node parameter "${d.name}" (${at}) must be ${d.type}: ${why}`,
      );
    }
  }

  normalized(): string {
    return normalizeSql(this.text, this.segs, (i) => {
      const p = this.pieces.get(i)!;
      return p.kind === "table"
        ? `{{Table(${JSON.stringify(p.port)})}}`
        : p.use.canonical;
    }, this.stop);
  }
}
