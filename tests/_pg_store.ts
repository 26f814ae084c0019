// A PostgreSQL-store test on a fresh schema, ignored without a reachable
// RUNNEL_TEST_POSTGRES_URL (see tests/_pg_env.ts).

import postgres from "npm:postgres@^3.4.5";
import type { Store } from "../stores/store.ts";
import { openPostgresStore } from "../stores/postgres/mod.ts";
import {
  dropSchema,
  freshSchema,
  PG_URL,
  pgUrl,
  skipReason,
} from "./_pg_env.ts";

const ignore = skipReason !== undefined;

/** Runs `fn` on a store in a fresh schema and a raw client; drops the schema after. */
export async function withPgStore(
  fn: (s: Store, raw: postgres.Sql, schema: string) => Promise<void>,
): Promise<void> {
  const schema = freshSchema();
  const store = await openPostgresStore(pgUrl(schema));
  const raw = postgres(PG_URL!.replace(/\?.*$/, ""), {
    max: 2,
    onnotice: () => {},
  });
  try {
    await fn(store, raw, schema);
  } finally {
    await store.close();
    await raw.end({ timeout: 1 });
    await dropSchema(schema);
  }
}

/** Registers a test that runs `fn` through {@link withPgStore}. */
export function pgTest(
  name: string,
  fn: (s: Store, raw: postgres.Sql, schema: string) => Promise<void>,
): void {
  Deno.test({ name: `postgres: ${name}`, ignore }, () => withPgStore(fn));
}
