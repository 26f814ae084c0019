/**
 * Careful edits of graph.yml for the scaffolding commands: append one entry
 * to a top-level list (`functions:`, `stores:`) and leave every other byte
 * alone — comments, blank lines, quoting and indentation included.
 *
 * The new entry is spliced into the original text at the position the parsed
 * YAML document reports, indented like the neighbouring entries. The result
 * is parsed again and must equal the old data plus the new entry; when it
 * does not (an unusual layout), the edit falls back to changing the parsed
 * `YAML.Document` and printing it, which keeps comments but may reformat.
 *
 * @module
 */

import YAML from "npm:yaml@^2.8.0";
import { isDeepStrictEqual } from "node:util";
import { GraphError, RunnelError } from "../errors.ts";

/** A parsed graph.yml, with what is needed to point at places in it. */
export interface GraphYaml {
  text: string;
  doc: YAML.Document.Parsed;
  /** File name used in error locations. */
  file: string;
  lines: YAML.LineCounter;
}

/**
 * Parses graph.yml text. Throws a {@link GraphError} carrying `file:line:col`
 * for every syntax error, or when the top level is not a mapping.
 */
export function parseGraphYaml(text: string, file: string): GraphYaml {
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new GraphError(doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
      const message = (e.message.split("\n")[0] ?? e.message)
        .replace(/ at line \d+, column \d+:?$/, "");
      return {
        message: `graph.yml is not valid YAML: ${message}`,
        loc: { file, line: pos.line, col: pos.col },
      };
    }));
  }
  const g: GraphYaml = { text, doc, file, lines };
  if (doc.contents !== null && !YAML.isMap(doc.contents)) {
    throw graphError(
      g,
      doc.contents,
      "graph.yml must be a mapping of keys (title:, stores:, functions:, …)",
    );
  }
  return g;
}

/** A GraphError pointing at `node` (or the start of the file). */
export function graphError(
  g: GraphYaml,
  node: YAML.Node | null | undefined,
  message: string,
): GraphError {
  const pos = g.lines.linePos(node?.range?.[0] ?? 0);
  return new GraphError([{
    message,
    loc: { file: g.file, line: pos.line, col: pos.col },
  }]);
}

/** The value node of a top-level key, or undefined when the key is absent. */
export function topLevelValue(
  g: GraphYaml,
  key: string,
): { pair: YAML.Pair<unknown, unknown> } | undefined {
  const map = g.doc.contents;
  if (!YAML.isMap(map)) return undefined;
  const pair = map.items.find((p) =>
    YAML.isScalar(p.key) && p.key.value === key
  );
  return pair ? { pair } : undefined;
}

/**
 * The items of a top-level list as plain data; `[]` when the key is absent or
 * empty. Throws a GraphError when the key holds something other than a list.
 */
export function topLevelList(g: GraphYaml, key: string): unknown[] {
  const found = topLevelValue(g, key);
  const value = found?.pair.value;
  if (value === undefined || value === null) return [];
  if (YAML.isScalar(value) && value.value === null) return [];
  if (!YAML.isSeq(value)) {
    throw graphError(
      g,
      YAML.isNode(value) ? value : null,
      `"${key}:" must be a list (entries starting with "- ")`,
    );
  }
  return (value.toJS(g.doc) as unknown[]) ?? [];
}

/** Renders a string as a YAML scalar (plain when safe, quoted otherwise), on one line. */
export function yamlScalar(value: string): string {
  return YAML.stringify(value, { lineWidth: 0 }).trimEnd();
}

/**
 * Returns `g.text` with `entry` appended to the top-level list `key`,
 * creating the list when it is missing, null or an empty flow `[]` (which
 * becomes a block list). Entry values must be single-line strings.
 */
export function appendToList(
  g: GraphYaml,
  key: string,
  entry: Record<string, string>,
): string {
  const old = topLevelList(g, key);
  const expected = { ...(g.doc.toJS() ?? {}), [key]: [...old, entry] };
  const spliced = spliceEntry(g, key, entry);
  if (spliced !== undefined && parsesTo(spliced, expected)) return spliced;
  const edited = editDocument(g.text, key, entry);
  if (parsesTo(edited, expected)) return edited;
  throw new RunnelError(
    `Could not add an entry to "${key}:" in ${g.file} without changing other data (anchors or aliases?): add it by hand:\n  - ${
      Object.entries(entry).map(([k, v]) => `${k}: ${yamlScalar(v)}`).join(
        "\n    ",
      )
    }`,
  );
}

function parsesTo(text: string, expected: unknown): boolean {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) return false;
  try {
    return isDeepStrictEqual(doc.toJS(), expected);
  } catch {
    return false;
  }
}

/** Fallback: edit the parsed document and print it (keeps comments, may reformat). */
function editDocument(
  text: string,
  key: string,
  entry: Record<string, string>,
): string {
  const doc = YAML.parseDocument(text);
  const value = doc.get(key, true);
  if (YAML.isSeq(value)) {
    value.flow = false;
    value.items.push(doc.createNode(entry));
  } else {
    const seq = doc.createNode([entry]);
    seq.flow = false;
    doc.set(key, seq);
  }
  return doc.toString({ lineWidth: 0 });
}

/** Column (0-based) of a text offset. */
function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/** Offset of the end of the line holding `offset` (before `\r\n` / `\n`), or text end. */
function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf("\n", offset);
  if (nl === -1) return text.length;
  return nl > 0 && text[nl - 1] === "\r" ? nl - 1 : nl;
}

/** How block lists are laid out in this file: dash offset from the key, and content offset from the dash. */
function listStyle(g: GraphYaml): { dash: number; inner: number } {
  const map = g.doc.contents;
  if (YAML.isMap(map)) {
    for (const p of map.items) {
      const seq = p.value;
      if (!YAML.isSeq(seq) || seq.flow || !YAML.isNode(p.key)) continue;
      const first = seq.items[0];
      if (!YAML.isNode(first) || !first.range || !seq.range || !p.key.range) {
        continue;
      }
      const dashCol = columnOf(g.text, seq.range[0]);
      const itemCol = columnOf(g.text, first.range[0]);
      const keyCol = columnOf(g.text, p.key.range[0]);
      if (itemCol > dashCol && dashCol >= keyCol) {
        return { dash: dashCol - keyCol, inner: itemCol - dashCol };
      }
    }
  }
  return { dash: 2, inner: 2 };
}

function entryLines(
  entry: Record<string, string>,
  dashCol: number,
  inner: number,
): string[] {
  return Object.entries(entry).map(([k, v], i) =>
    (i === 0
      ? " ".repeat(dashCol) + "-" + " ".repeat(inner - 1)
      : " ".repeat(dashCol + inner)) + `${k}: ${yamlScalar(v)}`
  );
}

/** The textual edit; undefined when the layout is one it does not handle. */
function spliceEntry(
  g: GraphYaml,
  key: string,
  entry: Record<string, string>,
): string | undefined {
  const { text } = g;
  const nl = text.includes("\r\n") ? "\r\n" : "\n";
  const style = listStyle(g);
  const map = g.doc.contents;
  const found = topLevelValue(g, key);

  if (!found) {
    let keyCol = 0;
    const firstKey = YAML.isMap(map) ? map.items[0]?.key : undefined;
    if (YAML.isNode(firstKey) && firstKey.range) {
      keyCol = columnOf(text, firstKey.range[0]);
    }
    const lines = [
      " ".repeat(keyCol) + `${key}:`,
      ...entryLines(entry, keyCol + style.dash, style.inner),
    ];
    const sep = text === "" || text.endsWith("\n") ? "" : nl;
    return text + sep + lines.join(nl) + nl;
  }

  const { pair } = found;
  const value = pair.value;
  if (!YAML.isNode(pair.key) || !pair.key.range) return undefined;
  const keyCol = columnOf(text, pair.key.range[0]);

  if (YAML.isSeq(value) && !value.flow && value.items.length > 0) {
    const first = value.items[0];
    const last = value.items[value.items.length - 1];
    if (!value.range || !YAML.isNode(last) || !last.range) return undefined;
    const dashCol = columnOf(text, value.range[0]);
    let inner = style.inner;
    if (YAML.isNode(first) && first.range) {
      inner = columnOf(text, first.range[0]) - dashCol;
    }
    if (inner < 2) inner = 2;
    // After the last entry and any comments indented under it.
    const end = last.range[2];
    const lines = entryLines(entry, dashCol, inner);
    if (end > 0 && text[end - 1] === "\n") {
      return text.slice(0, end) + lines.join(nl) + nl + text.slice(end);
    }
    const eol = lineEndOf(text, end);
    return text.slice(0, eol) + nl + lines.join(nl) + text.slice(eol);
  }

  const emptyFlow = YAML.isSeq(value) && value.flow && value.items.length === 0;
  const nullScalar = YAML.isScalar(value) && value.value === null;
  if (!(emptyFlow || nullScalar) || !value.range) return undefined;
  const [start, stop] = value.range;
  const lines = entryLines(entry, keyCol + style.dash, style.inner);
  const eol = lineEndOf(text, stop);
  if (start === stop) {
    // `key:` with nothing (perhaps a comment) after it: keep the line as is.
    return text.slice(0, eol) + nl + lines.join(nl) + text.slice(eol);
  }
  // `key: []` or `key: ~`: drop the value, keep any comment after it.
  const head = text.slice(0, start).replace(/[ \t]+$/, "");
  const rest = text.slice(stop, eol).replace(/[ \t]+$/, "");
  return head + rest + nl + lines.join(nl) + text.slice(eol);
}
