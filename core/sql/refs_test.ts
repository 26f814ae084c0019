import assert from "node:assert/strict";
import { renderTableRefs } from "./refs.ts";

Deno.test("renderTableRefs resolves this and Table() once each", async () => {
  const asked: (string | undefined)[] = [];
  const sql = await renderTableRefs(
    `select * from {{ this }} a join {{Table('leads')}} b on a.id = b.id join {{ Table("leads") }} c`,
    (port) => {
      asked.push(port);
      return Promise.resolve(port === undefined ? `"t1"` : `"p_${port}"`);
    },
  );
  assert.equal(
    sql,
    `select * from "t1" a join "p_leads" b on a.id = b.id join "p_leads" c`,
  );
  assert.deepEqual(asked, [undefined, "leads"]);
});

Deno.test("renderTableRefs rejects unknown tags", async () => {
  await assert.rejects(
    () =>
      renderTableRefs("select {{ Secret('x') }}", () => Promise.resolve("")),
    /Unknown template tag \{\{ Secret\('x'\) \}\}/,
  );
});

Deno.test("renderTableRefs leaves tags in comments and strings alone", async () => {
  const sql = await renderTableRefs(
    `select '{{ this }}', "{{ x }}" -- {{ Nope() }}\nfrom {{ this }} /* {{ */`,
    () => Promise.resolve(`"t1"`),
  );
  assert.equal(
    sql,
    `select '{{ this }}', "{{ x }}" -- {{ Nope() }}\nfrom "t1" /* {{ */`,
  );
});
