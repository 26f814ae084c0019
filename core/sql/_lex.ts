// A small SQL lexer for templated SQL: splits text into code, comments,
// string literals, quoted identifiers and `{{ … }}` tags, so that tags inside
// comments and literals are never rendered and whitespace can be normalized
// outside quotes. It understands the syntax SQLite and PostgreSQL share;
// it is not a parser.

/** What a {@link SqlSegment} holds. */
export type SqlSegmentKind =
  | "code"
  | "comment"
  | "string"
  | "ident"
  | "tag";

/** A run of text of one kind: `text.slice(start, end)`. */
export interface SqlSegment {
  kind: SqlSegmentKind;
  start: number;
  end: number;
  /** The closing quote, `*\/` or `}}` is missing: the segment runs to the end. */
  unterminated: boolean;
}

/**
 * Splits `text` into segments that cover it exactly, in order. `--` comments
 * end before their newline. With `tags` false, `{{` is plain code.
 */
export function lexSql(text: string, tags: boolean): SqlSegment[] {
  const out: SqlSegment[] = [];
  const n = text.length;
  let codeStart = 0;
  let i = 0;
  const push = (
    kind: SqlSegmentKind,
    start: number,
    end: number,
    unterminated = false,
  ) => {
    if (start > codeStart) {
      out.push({
        kind: "code",
        start: codeStart,
        end: start,
        unterminated: false,
      });
    }
    out.push({ kind, start, end, unterminated });
    codeStart = i = end;
  };
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === "-" && d === "-") {
      const j = text.indexOf("\n", i);
      push("comment", i, j < 0 ? n : j);
    } else if (c === "/" && d === "*") {
      const j = text.indexOf("*/", i + 2);
      push("comment", i, j < 0 ? n : j + 2, j < 0);
    } else if (c === "'" || c === '"' || c === "`") {
      const end = quotedEnd(text, i, c);
      push(c === "'" ? "string" : "ident", i, end ?? n, end === undefined);
    } else if (c === "[" && bracketIdentEnd(text, i) !== undefined) {
      push("ident", i, bracketIdentEnd(text, i)!);
    } else if (tags && c === "{" && d === "{") {
      const end = tagEnd(text, i + 2);
      push("tag", i, end ?? n, end === undefined);
    } else {
      i++;
    }
  }
  if (n > codeStart) {
    out.push({ kind: "code", start: codeStart, end: n, unterminated: false });
  }
  return out;
}

/** End (exclusive) of a literal opened by `q` at `start`; a doubled `q` escapes it. */
function quotedEnd(text: string, start: number, q: string): number | undefined {
  let j = start + 1;
  while (true) {
    const k = text.indexOf(q, j);
    if (k < 0) return undefined;
    if (text[k + 1] !== q) return k + 1;
    j = k + 2;
  }
}

/**
 * `[name]` is a quoted identifier (SQLite) when it closes on the same line
 * and holds no tag or quote; otherwise `[` is code (e.g. a PostgreSQL
 * subscript such as `a[{{ Parameter("i") }}]`).
 */
function bracketIdentEnd(text: string, start: number): number | undefined {
  const m = /^\[[^\]\n'"{]*\]/.exec(text.slice(start, start + 256));
  return m ? start + m[0].length : undefined;
}

/** End (exclusive) of a tag whose body starts at `from`; quotes inside are skipped. */
function tagEnd(text: string, from: number): number | undefined {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === "}" && text[i + 1] === "}") return i + 2;
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c) {
        i += text[i] === "\\" ? 2 : 1;
      }
    }
    i++;
  }
  return undefined;
}

/** 1-based line and column of `offset` in `text`. */
export function positionAt(
  text: string,
  offset: number,
): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset;) {
    line++;
    lineStart = i + 1;
    i = text.indexOf("\n", i + 1);
  }
  return { line, col: offset - lineStart + 1 };
}

/** Number of `\n` in `text` between `start` and `end`. */
export function countNewlines(
  text: string,
  start: number,
  end: number,
): number {
  let count = 0;
  for (let i = text.indexOf("\n", start); i >= 0 && i < end;) {
    count++;
    i = text.indexOf("\n", i + 1);
  }
  return count;
}
