/**
 * Contract tests: a read snapshot shows the committed tables as they were
 * when it was opened, through appends, new versions and new tables
 * committed by this store or another instance, until it is closed; SQL
 * given the snapshot (`Publication.query`) reads the same rows.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NotFoundError } from "../core/errors.ts";
import type { ReadSnapshot, Store } from "../stores/store.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, PEOPLE, person, rejects, seed } from "./_store_contract_util.ts";

/** Registers the snapshot tests. */
export function registerSnapshotTests(test: ContractTest): void {
  test("snapshot: reads and counts stay put through appends, new versions and other instances", async (h) => {
    await seed(
      h.store,
      "people",
      PEOPLE,
      ["a", "b", "c"].map((id) => person(id)),
    );
    const other = await h.second();
    const snap = await h.store.openSnapshot(["people", "later"]);
    try {
      // Appended in place by this instance, rewritten by another.
      const pub = await h.store.beginPublication();
      await pub.init("people", PEOPLE);
      await pub.append("people", [person("d")]);
      await pub.commit({ runId: "append" });
      const rewrite = await other.beginPublication();
      await rewrite.init("people", PEOPLE);
      await rewrite.truncate("people");
      await rewrite.append("people", [person("x")]);
      await rewrite.commit({ runId: "rewrite" });
      await seed(other, "later", PEOPLE, [person("y")]);
      assert.deepEqual(col(await h.store.readRows("people"), "id"), ["x"]);

      assert.equal(snap.describe("people")?.rowCount, 3);
      assert.deepEqual(col(await snap.read("people"), "id"), ["a", "b", "c"]);
      assert.deepEqual(
        col(await snap.read("people", { offset: 1, limit: 5 }), "id"),
        ["b", "c"],
      );
      assert.equal(snap.describe("later"), undefined);
      await rejects(
        snap.read("later"),
        NotFoundError,
        /"later" does not exist/,
      );
    } finally {
      await snap.close();
      await snap.close();
    }
    // A new snapshot sees what is committed now.
    const now = await h.store.openSnapshot(["people"]);
    try {
      assert.deepEqual(col(await now.read("people"), "id"), ["x"]);
    } finally {
      await now.close();
    }
  });

  test("snapshot: SQL through it sees its rows through appends, and the new rows once it is closed", async (h) => {
    await seed(
      h.store,
      "people",
      PEOPLE,
      ["a", "b", "c"].map((id) => person(id)),
    );
    const other = await h.second();
    const snap = await h.store.openSnapshot(["people"]);
    try {
      await appendPeople(h.store, ["d"]);
      await appendPeople(other, ["e", "f"]);
      assert.equal(snap.describe("people")?.rowCount, 3);
      // As a node's readSql runs: stopped by the node's end, and without.
      const ended = new AbortController();
      assert.deepEqual(await sqlIds(h.store, snap, ended.signal), [
        "a",
        "b",
        "c",
      ]);
      assert.deepEqual(await sqlIds(h.store, snap), ["a", "b", "c"]);
      const pub = await h.store.beginPublication();
      try {
        const [{ n }] = await pub.query(
          `SELECT count(*) AS n FROM ${snap.sqlName("people")} WHERE id <> ?`,
          ["b"],
          ["people"],
          { snapshot: snap, signal: ended.signal },
        ) as [{ n: number }];
        assert.equal(n, 2);
      } finally {
        ended.abort();
        await pub.discard();
      }
    } finally {
      await snap.close();
    }
    // Once the node ended, the same SQL sees the rows committed meanwhile.
    assert.deepEqual(await sqlIds(h.store), ["a", "b", "c", "d", "e", "f"]);
    const now = await h.store.openSnapshot(["people"]);
    try {
      assert.deepEqual(await sqlIds(h.store, now), [
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
      ]);
    } finally {
      await now.close();
    }
  });

  test("snapshot: SQL through it sees a version replaced and collected meanwhile", async (h) => {
    await seed(
      h.store,
      "people",
      PEOPLE,
      ["a", "b", "c"].map((id) => person(id)),
    );
    const snap = await h.store.openSnapshot(["people"]);
    try {
      // Replaced by another instance, then by this one; a third instance
      // opening collects what no committed version refers to.
      await replacePeople(await h.second(), ["x"]);
      await replacePeople(h.store, ["y", "z"]);
      await h.second();
      const ended = new AbortController();
      try {
        assert.deepEqual(await sqlIds(h.store, snap, ended.signal), [
          "a",
          "b",
          "c",
        ]);
        assert.deepEqual(await sqlIds(h.store, snap), ["a", "b", "c"]);
        assert.deepEqual(col(await snap.read("people"), "id"), [
          "a",
          "b",
          "c",
        ]);
      } finally {
        ended.abort();
      }
    } finally {
      await snap.close();
    }
    assert.deepEqual(await sqlIds(h.store), ["y", "z"]);
    const reopened = await h.reopen();
    assert.deepEqual(await sqlIds(reopened), ["y", "z"]);
  });
}

async function appendPeople(store: Store, ids: string[]): Promise<void> {
  const pub = await store.beginPublication();
  await pub.init("people", PEOPLE);
  await pub.append("people", ids.map((id) => person(id)));
  await pub.commit({ runId: `append-${ids.join("")}` });
}

async function replacePeople(store: Store, ids: string[]): Promise<void> {
  const pub = await store.beginPublication();
  await pub.init("people", PEOPLE);
  await pub.truncate("people");
  await pub.append("people", ids.map((id) => person(id)));
  await pub.commit({ runId: `replace-${ids.join("")}` });
}

/**
 * The ids of `people` as one SELECT of a fresh publication sees them:
 * through `snapshot` when given (in a node's query process when `signal`
 * is given too), else the latest committed rows.
 */
async function sqlIds(
  store: Store,
  snapshot?: ReadSnapshot,
  signal?: AbortSignal,
): Promise<unknown[]> {
  const pub = await store.beginPublication();
  try {
    const name = snapshot === undefined
      ? await pub.sqlName("people")
      : snapshot.sqlName("people");
    const rows = await pub.query(
      `SELECT id FROM ${name} ORDER BY id`,
      [],
      ["people"],
      snapshot === undefined ? { signal } : { snapshot, signal },
    );
    return col(rows, "id");
  } finally {
    await pub.discard();
  }
}
