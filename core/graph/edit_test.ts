import assert from "node:assert/strict";
import { GraphError, RunnelError } from "../errors.ts";
import { appendToList, parseGraphYaml, yamlScalar } from "./edit.ts";

const add = (text: string, key = "functions") =>
  appendToList(parseGraphYaml(text, "graph.yml"), key, {
    node_file: "new.ts",
  });

Deno.test("appendToList keeps comments indented under the last entry with it", () => {
  assert.equal(
    add(
      "functions:\n  - node_file: a.ts\n    # about a\nstores: []\n",
    ),
    "functions:\n  - node_file: a.ts\n    # about a\n  - node_file: new.ts\nstores: []\n",
  );
});

Deno.test("appendToList handles a file without a final newline", () => {
  assert.equal(
    add("functions:\n  - node_file: a.ts"),
    "functions:\n  - node_file: a.ts\n  - node_file: new.ts",
  );
});

Deno.test("appendToList keeps block scalars and the blank lines after them", () => {
  const text =
    "functions:\n  - node_file: a.ts\n    note: |\n      one\n\n      two\n\nstores: []\n";
  assert.equal(
    add(text),
    text.replace("      two\n", "      two\n  - node_file: new.ts\n"),
  );
});

Deno.test("appendToList adds a missing key inside document markers", () => {
  const out = add("---\ntitle: T\n...\n");
  assert.match(
    out,
    /^---\ntitle: T\nfunctions:\n\s+- node_file: new\.ts\n\.\.\.\n$/,
  );
});

Deno.test("appendToList starts a list in an empty file", () => {
  assert.equal(add(""), "functions:\n  - node_file: new.ts\n");
  assert.equal(add("# hi\n"), "# hi\nfunctions:\n  - node_file: new.ts\n");
});

Deno.test("appendToList refuses to change data shared through an alias", () => {
  assert.throws(
    () => add("functions: &x []\nother: *x\n"),
    (err: Error) =>
      err instanceof RunnelError && /add it by hand/.test(err.message) &&
      /- node_file: new\.ts/.test(err.message),
  );
});

Deno.test("parseGraphYaml reports syntax errors with line and column", () => {
  assert.throws(
    () => parseGraphYaml("title: T\nfunctions: [\n", "app/graph.yml"),
    (err: Error) =>
      err instanceof GraphError &&
      err.issues[0]!.loc.file === "app/graph.yml" &&
      err.issues[0]!.loc.line >= 2 && !/\n/.test(err.issues[0]!.message),
  );
});

Deno.test("yamlScalar quotes only when needed", () => {
  assert.equal(yamlScalar("Score Leads"), "Score Leads");
  assert.equal(yamlScalar("a: b"), '"a: b"');
  assert.equal(yamlScalar("true"), '"true"');
  assert.equal(yamlScalar("x".repeat(120)), "x".repeat(120));
});
