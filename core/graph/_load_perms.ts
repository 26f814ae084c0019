/**
 * `permissions:` of a graph.yml node: what its worker may touch.
 *
 * @module
 */

import { join } from "node:path";
import { isScalar, type Node } from "npm:yaml@^2.8.0";
import { isInside } from "../path.ts";
import type { SourceLocation } from "../errors.ts";
import type { Permissions } from "./graph.ts";
import { appPath, IDENT } from "./_load_paths.ts";
import {
  asMap,
  asSeq,
  type Ctx,
  deref,
  describe,
  entries,
  locOf,
  report,
  unknownKeyMessage,
} from "./_load_yaml.ts";

const KINDS = ["net", "read", "write", "env"] as const;
type Kind = typeof KINDS[number];

/** Deno permissions that would let a node escape its sandbox. */
const NEVER = ["run", "ffi", "sys", "all"];

const EXAMPLES: Record<Kind, string> = {
  net: "net: [api.example.com, localhost:8080]",
  read: "read: [data/lookup.csv]",
  write: "write: [out/]",
  env: "env: [API_KEY]",
};

/** Where Runnel keeps an app's SQLite store, inside the app directory. */
const STORE_DIR = ".runnel";

/**
 * Whether a read or write grant of `abs` reaches the store directory: the
 * app directory itself, or anything in `.runnel/`. A node's worker runs in
 * the host's process, and a descriptor of the store file opened and closed
 * there would release SQLite's locks on it.
 */
function coversStoreDir(appDir: string, abs: string): boolean {
  const store = join(appDir, STORE_DIR);
  return isInside(abs, store) || isInside(store, abs);
}

/** Empty permissions: everything denied. */
export function noPermissions(): Permissions {
  return { net: [], read: [], write: [], env: [] };
}

/** Validates a `permissions:` mapping; bad entries are reported and dropped. */
export function parsePermissions(
  ctx: Ctx,
  node: Node | null,
  who: string,
  keyLocs: Record<string, SourceLocation>,
): Permissions {
  const perms = noPermissions();
  const map = asMap(
    ctx,
    node,
    `${who}: permissions`,
    "permissions: { net: [api.example.com] }",
  );
  if (map === undefined) return perms;
  for (const e of entries(ctx, map, `${who}: permissions`).values()) {
    if (NEVER.includes(e.key)) {
      report(
        ctx,
        e.keyNode,
        `${who}: permission "${e.key}" is never granted to nodes: remove it (nodes may only use net, read, write and env)`,
      );
      continue;
    }
    if (!(KINDS as readonly string[]).includes(e.key)) {
      report(
        ctx,
        e.keyNode,
        unknownKeyMessage(`${who}: permissions`, e.key, KINDS),
      );
      continue;
    }
    const kind = e.key as Kind;
    keyLocs[`permissions.${kind}`] = locOf(ctx, e.keyNode);
    const what = `${who}: permissions.${kind}`;
    const single = isScalar(e.value) && typeof e.value.value === "string"
      ? `${kind}: [${e.value.value}]`
      : EXAMPLES[kind];
    const seq = asSeq(ctx, e.value, what, single);
    for (const item of seq?.items ?? []) {
      const value = entryValue(ctx, deref(ctx, item), what, kind);
      if (value !== undefined && !perms[kind].includes(value)) {
        perms[kind].push(value);
      }
    }
  }
  return perms;
}

function entryValue(
  ctx: Ctx,
  item: Node | null,
  what: string,
  kind: Kind,
): string | undefined {
  if (
    !isScalar(item) || typeof item.value !== "string" ||
    item.value.trim() === ""
  ) {
    report(
      ctx,
      item,
      `${what} entries must be non-empty strings, not ${describe(item)}: e.g. ${
        EXAMPLES[kind]
      }`,
    );
    return undefined;
  }
  const text = item.value.trim();
  if (kind === "read" || kind === "write") {
    const abs = appPath(ctx, item, text, `${what} entry`, false)?.abs;
    if (abs !== undefined && coversStoreDir(ctx.dir, abs)) {
      report(
        ctx,
        item,
        `${what} entry "${text}" includes ${STORE_DIR}/, where Runnel keeps the app's store, which nodes reach only through their tables: grant the files or folders the node needs instead, e.g. ${
          EXAMPLES[kind]
        }`,
      );
      return undefined;
    }
    return abs;
  }
  const problem = kind === "net" ? netEntryError(text) : envEntryError(text);
  if (problem !== undefined) {
    report(ctx, item, `${what} entry "${text}" ${problem}`);
    return undefined;
  }
  return text;
}

function envEntryError(text: string): string | undefined {
  return IDENT.test(text)
    ? undefined
    : "is not a variable name: use letters, digits and _ (not starting with a digit)";
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

/** Why a `net:` entry is malformed, or undefined when it is a valid host or host:port. */
export function netEntryError(text: string): string | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    return `has a scheme: write only the host, e.g. "${
      text.replace(/^[^:]+:\/\//, "").split("/")[0]
    }"`;
  }
  if (text.includes("/")) {
    return `has a path: write only the host (and port), e.g. "${
      text.split("/")[0]
    }"`;
  }
  if (text.startsWith("[")) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (
      m === null || !/^[0-9A-Fa-f:.]+$/.test(m[1] ?? "") ||
      !(m[1] ?? "").includes(":")
    ) {
      return "is not a valid [IPv6] address: e.g. [::1]:8080";
    }
    return portError(m[2]);
  }
  const colons = text.split(":").length - 1;
  if (colons > 1) {
    return "looks like an IPv6 address: wrap it in brackets, e.g. [::1]:8080";
  }
  const [host = "", port] = text.split(":");
  if (/^[\d.]+$/.test(host)) {
    const parts = host.split(".");
    if (parts.length !== 4 || parts.some((p) => p === "" || Number(p) > 255)) {
      return "is not a valid IPv4 address: e.g. 127.0.0.1";
    }
  } else if (
    host.length > 253 || !host.split(".").every((l) => LABEL.test(l))
  ) {
    return "is not a valid host name: use letters, digits, - and . (no wildcards), e.g. api.example.com";
  }
  return portError(port);
}

function portError(port: string | undefined): string | undefined {
  if (port === undefined) return undefined;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return `has an invalid port "${port}": use a number from 1 to 65535`;
  }
  return undefined;
}
