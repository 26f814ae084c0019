// A PostgreSQL-store test on a fresh schema, ignored without a reachable
// RUNNEL_TEST_POSTGRES_URL (see tests/_pg_env.ts).

import postgres from "npm:postgres@^3.4.5";
import type { Store } from "./store.ts";
import { openPostgresStore } from "./postgres.ts";
import {
  dropSchema,
  freshSchema,
  PG_URL,
  pgUrl,
  skipReason,
} from "../tests/_pg_env.ts";

const ignore = skipReason !== undefined;

/** Runs `fn` on a fresh store and a raw client of its schema. */
export function pgTest(
  name: string,
  fn: (s: Store, raw: postgres.Sql, schema: string) => Promise<void>,
): void {
  Deno.test({ name: `postgres: ${name}`, ignore }, async () => {
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
  });
}
