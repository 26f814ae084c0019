// The PostgreSQL server tests run against: RUNNEL_TEST_POSTGRES_URL, probed
// once per test process. Without a reachable server the PostgreSQL tests
// are registered as ignored (see `skipReason`).

import postgres from "npm:postgres@^3.4.5";
import { redactUrl } from "../stores/mod.ts";

/** RUNNEL_TEST_POSTGRES_URL, when set. */
export const PG_URL: string | undefined =
  Deno.env.get("RUNNEL_TEST_POSTGRES_URL") || undefined;

async function probe(): Promise<string | undefined> {
  if (PG_URL === undefined) return "RUNNEL_TEST_POSTGRES_URL is not set";
  const sql = postgres(PG_URL.replace(/\?.*$/, ""), {
    max: 1,
    connect_timeout: 3,
    onnotice: () => {},
    fetch_types: false,
  });
  try {
    await sql`SELECT 1`;
    return undefined;
  } catch (err) {
    return `${redactUrl(PG_URL)} is not reachable (${
      (err as Error)?.message ?? err
    })`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Why the PostgreSQL tests are skipped in this process, or undefined when they run. */
export const skipReason: string | undefined = await probe();

/** A schema name no other test uses. */
export function freshSchema(): string {
  const b = crypto.getRandomValues(new Uint8Array(5));
  return "rt_" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The test server's URL with `?schema=`. */
export function pgUrl(schema: string): string {
  return `${PG_URL!.replace(/\?.*$/, "")}?schema=${schema}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(PG_URL!.replace(/\?.*$/, ""), {
    max: 1,
    onnotice: () => {},
    fetch_types: false,
  });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
