import type { NodeContext } from "./runnel.d.ts";

// In a real app this would call a CRM or read a form export (grant it with
// `permissions: { net: [...] }` in graph.yml). Here the leads are inline.
const LEADS = [
  { id: "L-001", email: "ada@enterprise.com" },
  { id: "L-002", email: "grace@corp.com" },
  { id: "L-003", email: "linus@example.org" },
];

export default async function run(
  { table, parameter, state, log }: NodeContext,
) {
  const source = parameter<string>("leads_source", {
    type: "string",
    default: "marketing_form",
    description: "Where the leads came from",
  });
  const raw = table("raw_leads", "w");
  await raw.init({
    schema: {
      id: "Text",
      email: "Text",
      source: "Text",
      created_at: "DateTime",
    },
    uniqueOn: "id",
    addCreated: "created_at",
  });
  await raw.upsert(LEADS.map((lead) => ({ ...lead, source })));

  const runs = state.get<number>("runs", 0) + 1;
  state.set("runs", runs);
  log.info(`ingested ${LEADS.length} leads from ${source} (run #${runs})`);
}
