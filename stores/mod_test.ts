import assert from "node:assert/strict";
import { join } from "node:path";
import { StoreError } from "../core/errors.ts";
import { openStore, sqlitePathOf } from "./mod.ts";

Deno.test("openStore: the default store lives in <app>/.runnel/runnel.db", async () => {
  const app = await Deno.makeTempDir({ prefix: "runnel_app_" });
  try {
    const store = await openStore(undefined, app);
    assert.equal(store.kind, "sqlite");
    assert.equal(store.location, join(app, ".runnel", "runnel.db"));
    await store.close();
    assert.ok((await Deno.stat(store.location)).isFile);
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});

Deno.test("openStore: SQLite URL forms resolve against the app directory", () => {
  const app = "/srv/app";
  assert.equal(sqlitePathOf("sqlite:data/x.db", app), "/srv/app/data/x.db");
  assert.equal(sqlitePathOf("sqlite://data/x.db", app), "/srv/app/data/x.db");
  assert.equal(sqlitePathOf("sqlite:///var/x.db", app), "/var/x.db");
  assert.equal(sqlitePathOf("sqlite:/var/x", app), "/var/x");
  assert.equal(sqlitePathOf("other.sqlite", app), "/srv/app/other.sqlite");
  assert.equal(sqlitePathOf("../shared/s.db", app), "/srv/shared/s.db");
  assert.equal(sqlitePathOf("/abs/s.sqlite3", app), "/abs/s.sqlite3");
  assert.equal(sqlitePathOf("mysql://h/x.db", app), undefined);
  assert.equal(sqlitePathOf("notes.txt", app), undefined);
  assert.equal(sqlitePathOf("sqlite:", app), undefined);
});

Deno.test("openStore: a PostgreSQL URL needs a schema or the app's slug; unknown URLs are refused", async () => {
  for (const url of ["postgres://u:pw@host/db", "postgresql://u:pw@host/db"]) {
    await assert.rejects(openStore(url, "/tmp"), (err: Error) => {
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /\?schema=/);
      assert.doesNotMatch(err.message, /pw/);
      return true;
    });
  }
  await assert.rejects(openStore("mysql://me:pw@x/y", "/tmp"), (err: Error) => {
    assert.ok(err instanceof StoreError);
    assert.match(err.message, /sqlite:<path>/);
    assert.match(err.message, /postgres:\/\//);
    assert.match(err.message, /mysql:\/\/me:\*\*\*@x\/y/);
    return true;
  });
});
