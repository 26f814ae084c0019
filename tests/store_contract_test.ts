// The Store contract on every store: SQLite always, PostgreSQL when
// RUNNEL_TEST_POSTGRES_URL points at a reachable server (each test in its
// own schema, dropped afterwards).

import { openSqliteStore } from "../stores/sqlite/mod.ts";
import { openPostgresStore } from "../stores/postgres/mod.ts";
import { storeContract } from "./store_contract.ts";
import { dropSchema, freshSchema, pgUrl, skipReason } from "./_pg_env.ts";

storeContract("sqlite", async () => {
  const dir = await Deno.makeTempDir({ prefix: "runnel_store_" });
  const path = `${dir}/nested/runnel.db`;
  return {
    store: await openSqliteStore(path),
    reopen: () => openSqliteStore(path),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

if (skipReason !== undefined) {
  console.log(
    `PostgreSQL tests skipped (the store contract's PostgreSQL half and every [postgres] test): ${skipReason}`,
  );
}

storeContract("postgres", async () => {
  const schema = freshSchema();
  const url = pgUrl(schema);
  return {
    store: await openPostgresStore(url),
    reopen: () => openPostgresStore(url),
    cleanup: () => dropSchema(schema),
  };
}, { ignore: skipReason !== undefined });
