/**
 * Text of the files `runnel create` writes: graph.yml, README.md,
 * .gitignore and the node templates.
 *
 * @module
 */

import { yamlScalar } from "../graph/edit.ts";

/** The graph.yml of a new, empty app. */
export function graphTemplate(title: string, slug: string): string {
  return `# graph.yml: the definition of this Runnel app.
#
# An app is a graph of nodes. Each node is a TypeScript, JavaScript or SQL
# file that reads the tables bound to its inputs and writes the tables bound
# to its outputs. Runnel works out the order from who writes what.
#
#   runnel create table raw_leads                          # add to stores:
#   runnel create node --title "Score Leads" score_leads.ts   # add to functions:
#   runnel run                                             # run every node

title: ${yamlScalar(title)}
slug: ${yamlScalar(slug)}

# stores: the tables this app keeps. Declare every table a node reads or
# writes here.
#
#   stores:
#     - table: raw_leads
#     - table: scored_leads
stores: []

# functions: the nodes. Only node_file is required.
#
#   functions:
#     - node_file: score_leads.ts     # .ts, .js or .sql, relative to this file
#       title: Score Leads            # default: from the file name
#       id: score_leads               # default: the file name, lowercased
#       trigger: manual               # or a cron schedule, e.g. "0 * * * *"
#       inputs:                       # port name used in the code: table
#         leads: raw_leads
#       outputs:                      # written tables appear when the node succeeds
#         scored: scored_leads
#       parameters:                   # values for parameter("min_score", ...)
#         min_score: 0.7
#       permissions:                  # the node's sandbox; anything unlisted is denied
#         net: [api.example.com]      # hosts it may call
#         read: [data/]               # paths inside the app it may read
#         write: [exports/]           # paths inside the app it may write
#         env: [API_TOKEN]            # environment variables it may see
#       timeout: 5m                   # per run; the default is 10 minutes
functions: []
`;
}

/** The README.md of a new app. */
export function readmeTemplate(title: string): string {
  return `# ${title}

A Runnel data app. \`graph.yml\` lists the tables (\`stores:\`) and the nodes
(\`functions:\`); each node is a \`.ts\`, \`.js\` or \`.sql\` file in this directory.

## Add tables and nodes

Run these from this directory:

\`\`\`sh
runnel create table raw_leads
runnel create node --title "Score Leads" score_leads.ts
\`\`\`

Then bind the node's ports to tables under its \`inputs:\` and \`outputs:\` in
\`graph.yml\`. \`runnel.d.ts\` holds the types of the node API, for your editor.

## Run

\`\`\`sh
runnel run
\`\`\`

Run data lives in \`.runnel/\`, which is not committed.
`;
}

/** The .gitignore of a new app. */
export const GITIGNORE_TEMPLATE = `# Runnel's local store and run records
.runnel/
`;

/** Template of a TypeScript node. `types` is the import path of runnel.d.ts. */
export function tsNodeTemplate(title: string, types: string): string {
  return `/**
 * ${title}: a Runnel node.
 *
 * Runnel calls the default export once per run. Bind the ports it uses to
 * tables in graph.yml, under this node's \`inputs:\` and \`outputs:\`.
 */
import type { NodeContext } from ${JSON.stringify(types)};

export default async function run(
  { table, parameter, state, log }: NodeContext,
) {
${
    nodeBody(`parameter<number>("min_score", {
    type: "float",
    default: 0.5,
  })`)
  }
}
`;
}

/** Template of a JavaScript node: the TypeScript one, typed through JSDoc. */
export function jsNodeTemplate(title: string, types: string): string {
  return `// @ts-check
/**
 * ${title}: a Runnel node.
 *
 * Runnel calls the default export once per run. Bind the ports it uses to
 * tables in graph.yml, under this node's \`inputs:\` and \`outputs:\`.
 *
 * @typedef {import(${JSON.stringify(types)}).NodeContext} NodeContext
 */

/** @param {NodeContext} context */
export default async function run({ table, parameter, state, log }) {
${
    nodeBody(`Number(parameter("min_score", {
    type: "float",
    default: 0.5,
  }))`)
  }
}
`;
}

/**
 * The body shared by the TS and JS templates. Comment lines holding example
 * code start with a lowercase word or punctuation; prose starts with a
 * capital (the template test relies on it to try the examples).
 */
function nodeBody(readParameter: string): string {
  return `  // A parameter, set in graph.yml under this node's parameters:.
  // When it is not set there, the default is used.
  const minScore = ${readParameter};

  // State is kept across runs and saved only when this function succeeds.
  const runs = state.get("runs", 0) + 1;
  state.set("runs", runs);
  log.info(\`run \${runs}, min_score \${minScore}\`);

  // Read an input port (graph.yml: inputs: { leads: raw_leads }):
  // const leads = await table("leads").read();

  // Write an output port (graph.yml: outputs: { scored: scored_leads }).
  // Rows become visible when this function succeeds.
  // const scored = table("scored", "w");
  // await scored.init({
  //   schema: { email: "Text", score: "Float" },
  //   uniqueOn: "email",
  // });
  // await scored.upsert(
  //   leads
  //     .filter((lead) => Number(lead.score) >= minScore)
  //     .map((lead) => ({ email: lead.email, score: Number(lead.score) })),
  // );`;
}

/** Template of a SQL node; `file` is its path as written in graph.yml. */
export function sqlNodeTemplate(title: string, file: string): string {
  return `-- ${title}: a Runnel SQL node.
--
-- A SQL node is one SELECT. Its rows are written to the table bound to the
-- output port output_table. Bind the ports in graph.yml, e.g.
--
--   - node_file: ${file}
--     inputs:
--       input_table: raw_leads
--     outputs:
--       output_table: scored_leads
--
-- In double braces, Table("input_table") names the table bound to an input
-- port, and Parameter("min_score", type="float", default=0.5) inserts a
-- parameter: the value under this node's parameters: in graph.yml, else the
-- default.

select *
from {{ Table("input_table") }}
where score >= {{ Parameter("min_score", type="float", default=0.5) }}
`;
}
