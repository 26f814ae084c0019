// PostgreSQL: node SQL of concurrent publications that read the same
// tables. Each statement's sandbox grants the tables it reads inside its own
// transaction; those grants must wait for one another, never fail.

import assert from "node:assert/strict";
import { seed } from "../../tests/_store_contract_util.ts";
import { pgTest } from "../../tests/_pg_store.ts";

const PEOPLE = {
  schema: { id: "Text", age: "Integer" } as const,
  uniqueOn: ["id"],
};

pgTest(
  "queries and materializes reading the same tables run side by side",
  async (s) => {
    await seed(s, "people", PEOPLE, [{ id: "a", age: 1 }, { id: "b", age: 2 }]);
    await seed(s, "pets", PEOPLE, [{ id: "p", age: 3 }]);
    const one = async (i: number) => {
      const pub = await s.beginPublication();
      const people = await pub.sqlName("people");
      const pets = await pub.sqlName("pets");
      // Half read the tables in the other order: no deadlock either way.
      const [first, second, allowed] = i % 2 === 0
        ? [people, pets, ["people", "pets"]]
        : [pets, people, ["pets", "people"]];
      const sql =
        `SELECT count(*)::int AS n FROM ${first} CROSS JOIN ${second}`;
      if (i % 3 === 0) {
        const rows = await pub.query(sql, [], allowed);
        await pub.discard();
        return rows[0]?.n;
      }
      await pub.materialize(`out_${i}`, sql, [], allowed);
      const rows = await pub.read(`out_${i}`);
      await pub.commit({ runId: `r${i}`, nodeId: `n${i}` });
      return rows[0]?.n;
    };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => one(i)),
    );
    assert.deepEqual(results, Array(12).fill(2));
    // Nothing stays granted to the sandbox role once they are done.
    const pub = await s.beginPublication();
    const people = await pub.sqlName("people");
    await assert.rejects(
      pub.query(`SELECT * FROM ${people}`, [], []),
      /"people" is not declared/,
    );
    await pub.discard();
  },
);
