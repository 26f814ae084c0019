/**
 * Scalar fields of a graph.yml node: `node_file`, `id`, `trigger`,
 * `version`, `timeout`, `stage`, `cache`.
 *
 * @module
 */

import { extname } from "node:path";
import { isScalar, type Node } from "npm:yaml@^2.8.0";
import { cronError } from "../cron.ts";
import { parseDuration } from "../duration.ts";
import { parseMemoryMb } from "../size.ts";
import type { NodeKind, NodeSpec, Trigger } from "./graph.ts";
import { appPath } from "./_load_paths.ts";
import {
  asString,
  type Ctx,
  describe,
  type Entry,
  isNull,
  report,
} from "./_load_yaml.ts";

const KIND_BY_EXT: Record<string, NodeKind> = {
  ".ts": "ts",
  ".js": "ts",
  ".mjs": "ts",
  ".tsx": "ts",
  ".jsx": "ts",
  ".sql": "sql",
};

/** Longest timeout a timer can hold (about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const ID = /^[A-Za-z0-9_-]+$/;

/** Reads an explicit `id:`; undefined (reported) when it is not a valid id. */
export function readId(ctx: Ctx, e: Entry, who: string): string | undefined {
  const id = asString(ctx, e.value, e.keyNode, `${who}: id`);
  if (id === undefined || ID.test(id)) return id;
  report(
    ctx,
    e.value,
    `${who}: id "${id}" may only use letters, digits, _ and -: e.g. ${
      id.replace(/[^A-Za-z0-9_-]+/g, "_")
    }`,
  );
  return undefined;
}

/** Reads `node_file:` into `spec` (kind, file, relFile). */
export function readNodeFile(
  ctx: Ctx,
  e: Entry,
  who: string,
  spec: NodeSpec,
): void {
  const text = asString(ctx, e.value, e.keyNode, `${who}: node_file`);
  if (text === undefined) return;
  const ext = extname(text).toLowerCase();
  const kind = KIND_BY_EXT[ext];
  if (kind === undefined) {
    const what = ext === ""
      ? "has no extension"
      : `has unsupported extension "${ext}"`;
    report(
      ctx,
      e.value,
      `${who}: node_file "${text}" ${what}: use one of ${
        Object.keys(KIND_BY_EXT).join(", ")
      }`,
    );
    return;
  }
  spec.kind = kind;
  const path = appPath(ctx, e.value as Node, text, `${who}: node_file`, true);
  if (path === undefined) return;
  spec.file = path.abs;
  spec.relFile = path.rel;
}

/** Reads `trigger:`: `manual` or a cron expression. */
export function readTrigger(ctx: Ctx, e: Entry, who: string): Trigger {
  if (isNull(e.value)) return { kind: "manual" };
  const text = asString(ctx, e.value, e.keyNode, `${who}: trigger`)?.trim();
  if (text === undefined) return { kind: "manual" };
  if (text === "manual") return { kind: "manual" };
  const err = cronError(text);
  if (err === undefined) {
    return { kind: "cron", expr: text.split(/\s+/).join(" ") };
  }
  report(
    ctx,
    e.value,
    `${who}: trigger "${text}" is not "manual" or a valid cron expression: ${err} (e.g. "0 6 * * *" runs daily at 06:00)`,
  );
  return { kind: "manual" };
}

/** Reads `version:` (string or number) as a string. */
export function readVersion(
  ctx: Ctx,
  e: Entry,
  who: string,
): string | undefined {
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (
    (typeof v === "string" && v.trim() !== "") ||
    (typeof v === "number" && Number.isFinite(v))
  ) {
    return isScalar(e.value) && typeof e.value.source === "string" &&
        typeof v === "number"
      ? e.value.source
      : String(v);
  }
  report(
    ctx,
    isNull(e.value) ? e.keyNode : e.value,
    `${who}: version must be a string or a number, not ${
      describe(e.value)
    }: e.g. version: "2"`,
  );
  return undefined;
}

/** Reads `timeout:` as milliseconds. */
export function readTimeout(
  ctx: Ctx,
  e: Entry,
  who: string,
): number | undefined {
  const v = isScalar(e.value) ? e.value.value : undefined;
  const ms = typeof v === "string" || typeof v === "number"
    ? parseDuration(v)
    : undefined;
  const at = isNull(e.value) ? e.keyNode : e.value;
  if (ms === undefined) {
    report(
      ctx,
      at,
      `${who}: timeout ${
        describeValue(e.value)
      } is not a positive duration: use e.g. 30s, 10m, 1h30m or a number of seconds`,
    );
    return undefined;
  }
  if (ms > MAX_TIMEOUT_MS) {
    report(
      ctx,
      at,
      `${who}: timeout ${
        describeValue(e.value)
      } is too long: the maximum is 24 days (576h)`,
    );
    return undefined;
  }
  return ms;
}

/** Reads `memory:` ("512MB", "2GB", a number of MB) as MiB. */
export function readMemory(
  ctx: Ctx,
  e: Entry,
  who: string,
): number | undefined {
  const v = isScalar(e.value) ? e.value.value : undefined;
  const mb = parseMemoryMb(v);
  if (typeof mb === "number") return mb;
  report(
    ctx,
    isNull(e.value) ? e.keyNode : e.value,
    `${who}: memory ${describeValue(e.value)} is ${mb}`,
  );
  return undefined;
}

/** Reads `stage:` (a stage name); undefined (reported) when it is not a non-empty string. */
export function readStage(ctx: Ctx, e: Entry, who: string): string | undefined {
  return asString(ctx, e.value, e.keyNode, `${who}: stage`)?.trim();
}

/** Reads a true/false key (`cache:`, `isolate:`). */
export function readFlag(
  ctx: Ctx,
  e: Entry,
  who: string,
  key: string,
): boolean | undefined {
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (typeof v === "boolean") return v;
  report(
    ctx,
    isNull(e.value) ? e.keyNode : e.value,
    `${who}: ${key} must be true or false, not ${describe(e.value)}`,
  );
  return undefined;
}

function describeValue(node: Node | null): string {
  return isScalar(node) && !isNull(node)
    ? JSON.stringify(node.value)
    : describe(node);
}
