import type { NodeContext } from "./runnel.d.ts";
import { scoreEmail } from "./scoring.ts";

export default async function run({ table, log }: NodeContext) {
  const raw = table("raw_leads");
  const scored = table("scored_leads", "w");
  await scored.init({
    schema: { id: "Text", email: "Text", domain: "Text", score: "Float" },
    uniqueOn: "id",
  });
  for await (const chunk of raw.readChunks(500)) {
    await scored.upsert(chunk.map((lead) => {
      const email = String(lead.email);
      return {
        id: lead.id,
        email,
        domain: email.split("@")[1] ?? "",
        score: scoreEmail(email),
      };
    }));
  }
  log.info(`scored ${await scored.recordCount()} leads`);
}
