/**
 * PostgreSQL store URLs: parsing `postgres://user[:password]@host[:port]/db
 * [?schema=name&sslmode=require]`, the app's default schema, and redaction
 * so a password never reaches output or error messages. Private to
 * `stores/postgres/mod.ts` and `stores/mod.ts`.
 *
 * @module
 */

import { StoreError } from "../../core/errors.ts";

/** Where and how to connect; `location` is safe to print. */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  /** From the URL or PGPASSWORD; never printed. */
  password: string | undefined;
  database: string;
  /** The app's schema (unquoted identifier). */
  schema: string;
  ssl: false | "require" | "prefer" | "verify-full";
  /** `postgres://user@host:port/db?schema=…`, without the password. */
  location: string;
}

const FORM =
  "postgres://user[:password]@host[:port]/database[?schema=name] (the password may also come from PGPASSWORD)";

const SCHEMA_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for `postgres://` and `postgresql://` URLs. */
export function isPostgresUrl(url: string | undefined): boolean {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url.trim());
}

/**
 * Hides everything between the user name and the last `@` of a
 * `scheme://user:password@host` URL (a password may hold `@` or `/`).
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url);
  if (m === null) return url;
  const rest = m[2]!;
  const at = rest.lastIndexOf("@");
  if (at < 0) return url;
  const userInfo = rest.slice(0, at);
  const colon = userInfo.indexOf(":");
  if (colon < 0) return url;
  return `${m[1]}${userInfo.slice(0, colon)}:***${rest.slice(at)}`;
}

/** The default schema of an app: `runnel_<slug>`, as an identifier. */
export function schemaForSlug(slug: string): string {
  const safe = slug.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return `runnel_${safe}`.slice(0, 63);
}

function bad(url: string, why: string): StoreError {
  return new StoreError(
    `Invalid PostgreSQL URL "${redactUrl(url)}": ${why}; use ${FORM}`,
  );
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env
  }
}

/** Checks a schema name given by `?schema=` or derived from the app. */
export function checkSchemaName(schema: string, url = ""): string {
  if (!SCHEMA_RE.test(schema) || schema.length > 63) {
    throw bad(
      url,
      `schema "${schema}" is not a plain identifier (letters, digits and _, at most 63 characters)`,
    );
  }
  const lower = schema.toLowerCase();
  if (lower.startsWith("pg_") || lower === "runnel_sandbox") {
    throw bad(url, `schema "${schema}" is reserved; pick another name`);
  }
  return schema;
}

/**
 * Parses a PostgreSQL store URL. `defaultSchema` applies when the URL has
 * no `?schema=`. Throws a one-line StoreError naming the problem.
 */
export function parsePgUrl(url: string, defaultSchema?: string): PgTarget {
  const text = url.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    const port = /@[^/?]*:([^/?]*)(?:[/?]|$)/.exec(text)?.[1];
    throw bad(
      text,
      port !== undefined && !/^\d{1,5}$/.test(port) ||
        Number(port) > 65535
        ? `port "${port}" is not a port number`
        : "it cannot be parsed",
    );
  }
  if (!/^postgres(ql)?:$/i.test(u.protocol)) {
    throw bad(text, "it must start with postgres:// or postgresql://");
  }
  let decode = (s: string) => s;
  try {
    decodeURIComponent(u.username + u.password + u.pathname);
    decode = decodeURIComponent;
  } catch {
    throw bad(text, "it holds a malformed %-escape");
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1") || env("PGHOST") ||
    "localhost";
  const portText = u.port || env("PGPORT") || "5432";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw bad(text, `port "${portText}" is not a port number`);
  }
  const user = decode(u.username) || env("PGUSER") || env("USER") ||
    "postgres";
  const password = u.password !== "" ? decode(u.password) : env("PGPASSWORD");
  const path = decode(u.pathname.replace(/^\//, ""));
  if (path.includes("/")) {
    throw bad(text, `"${path}" is not a database name`);
  }
  const database = path || env("PGDATABASE") || user;
  let schema = defaultSchema;
  let ssl: PgTarget["ssl"] = false;
  for (const [key, value] of u.searchParams) {
    if (key === "schema") schema = value;
    else if (key === "sslmode") {
      if (value === "disable") ssl = false;
      else if (value === "require" || value === "prefer") ssl = value;
      else if (value === "verify-full" || value === "verify-ca") {
        ssl = "verify-full";
      } else throw bad(text, `sslmode "${value}" is not supported`);
    } else {
      throw bad(
        text,
        `unknown parameter "${key}" (known: schema, sslmode)`,
      );
    }
  }
  if (schema === undefined || schema === "") {
    throw bad(text, "it names no schema; add ?schema=<name>");
  }
  checkSchemaName(schema, text);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port,
    user,
    password,
    database,
    schema,
    ssl,
    location: `postgres://${encodeURIComponent(user)}@${hostPart}:${port}/${
      encodeURIComponent(database)
    }?schema=${schema}`,
  };
}
