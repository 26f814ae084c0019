/**
 * `functions:` entries of graph.yml: nodes (`node_file:`) and webhooks
 * (`webhook:`).
 *
 * @module
 */

import { isMap, isScalar, type Node, type YAMLMap } from "npm:yaml@^2.8.0";
import type { SourceLocation } from "../errors.ts";
import {
  DEFAULT_TIMEOUT_MS,
  type NodeSpec,
  type WebhookSpec,
} from "./graph.ts";
import {
  readFlag,
  readId,
  readMemory,
  readNodeFile,
  readStage,
  readTimeout,
  readTrigger,
  readVersion,
} from "./_load_fields.ts";
import { appPath, idFromStem, stemOf, titleFromStem } from "./_load_paths.ts";
import { noPermissions, parsePermissions } from "./_load_perms.ts";
import { nameError, parseParameters, parsePorts } from "./_load_ports.ts";
import {
  asSeq,
  asString,
  type Ctx,
  deref,
  describe,
  entries,
  type Entry,
  isNull,
  locOf,
  report,
  unknownKeyMessage,
} from "./_load_yaml.ts";

const NODE_KEYS = [
  "node_file",
  "id",
  "title",
  "description_file",
  "trigger",
  "inputs",
  "outputs",
  "parameters",
  "parameter_values",
  "permissions",
  "version",
  "timeout",
  "memory",
  "stage",
  "cache",
  "isolate",
] as const;
const WEBHOOK_KEYS = ["webhook", "id", "title"] as const;

/** A parsed webhook with the locations the cross-checks point at. */
export interface ParsedWebhook {
  spec: WebhookSpec;
  idLoc: SourceLocation;
  explicitId: boolean;
  tableLoc: SourceLocation;
}

/** Everything `functions:` declares, in file order (bad entries kept as far as they could be read). */
export interface ParsedFunctions {
  nodes: NodeSpec[];
  webhooks: ParsedWebhook[];
}

/** Reads the `functions:` list. */
export function parseFunctions(ctx: Ctx, node: Node | null): ParsedFunctions {
  const out: ParsedFunctions = { nodes: [], webhooks: [] };
  const seq = asSeq(
    ctx,
    node,
    "functions",
    "functions: [{ node_file: score_leads.ts }]",
  );
  seq?.items.forEach((raw, i) => {
    const item = deref(ctx, raw);
    if (!isMap(item)) {
      report(
        ctx,
        item,
        `functions entry ${i + 1} must be a mapping, not ${
          describe(item)
        }: e.g. - node_file: score_leads.ts (or - webhook: <table>)`,
      );
      return;
    }
    const ents = entries(ctx, item, `functions entry ${i + 1}`);
    if (ents.has("webhook")) {
      const wh = parseWebhook(ctx, item, ents);
      if (wh !== undefined) out.webhooks.push(wh);
    } else out.nodes.push(parseNode(ctx, item, ents, i));
  });
  return out;
}

function checkKeys(
  ctx: Ctx,
  ents: Map<string, Entry>,
  who: string,
  allowed: readonly string[],
) {
  for (const e of ents.values()) {
    if (allowed.includes(e.key)) continue;
    const msg = e.key === "node_file" || e.key === "webhook"
      ? `${who}: a function is either a node (node_file:) or a webhook (webhook:), not both: remove one of them`
      : unknownKeyMessage(who, e.key, allowed);
    report(ctx, e.keyNode, msg);
    ents.delete(e.key);
  }
}

function parseWebhook(
  ctx: Ctx,
  map: YAMLMap,
  ents: Map<string, Entry>,
): ParsedWebhook | undefined {
  const tableEntry = ents.get("webhook") as Entry;
  const raw = isScalar(tableEntry.value) ? String(tableEntry.value.value) : "?";
  const who = `Webhook "${raw}"`;
  checkKeys(ctx, ents, who, WEBHOOK_KEYS);
  const table = asString(
    ctx,
    tableEntry.value,
    tableEntry.keyNode,
    `${who}: webhook`,
  );
  const idEntry = ents.get("id");
  const id = idEntry ? readId(ctx, idEntry, who) : undefined;
  const title = ents.get("title");
  if (title) asString(ctx, title.value, title.keyNode, `${who}: title`);
  if (table === undefined) return undefined;
  const bad = nameError(table, "table name");
  if (bad !== undefined) {
    report(ctx, tableEntry.value, `${who}: ${bad}`);
    return undefined;
  }
  return {
    spec: { table, id: id ?? `webhook_${table}`, loc: locOf(ctx, map) },
    idLoc: locOf(ctx, id !== undefined ? idEntry?.value : tableEntry.value),
    explicitId: id !== undefined,
    tableLoc: locOf(ctx, tableEntry.value),
  };
}

function parseNode(
  ctx: Ctx,
  map: YAMLMap,
  ents: Map<string, Entry>,
  index: number,
): NodeSpec {
  const fileEntry = ents.get("node_file");
  const titleEntry = ents.get("title");
  const rawFile = isScalar(fileEntry?.value)
    ? fileEntry.value.value
    : undefined;
  const rawTitle = isScalar(titleEntry?.value)
    ? titleEntry.value.value
    : undefined;
  const stem = typeof rawFile === "string" && rawFile.trim() !== ""
    ? stemOf(rawFile)
    : undefined;
  const label = typeof rawTitle === "string" && rawTitle.trim() !== ""
    ? rawTitle
    : stem !== undefined
    ? titleFromStem(stem)
    : `functions entry ${index + 1}`;
  const who = `Node "${label}"`;
  checkKeys(ctx, ents, who, NODE_KEYS);

  const keyLocs: Record<string, SourceLocation> = {};
  for (const e of ents.values()) {
    keyLocs[e.key] = locOf(
      ctx,
      isScalar(e.value) && !isNull(e.value) ? e.value : e.keyNode,
    );
  }
  const spec: NodeSpec = {
    id: stem !== undefined ? idFromStem(stem) : `function_${index + 1}`,
    title: label,
    file: "",
    relFile: typeof rawFile === "string" ? rawFile : "",
    kind: "ts",
    trigger: { kind: "manual" },
    inputs: {},
    outputs: {},
    parameterValues: {},
    permissions: noPermissions(),
    timeoutMs: DEFAULT_TIMEOUT_MS,
    loc: locOf(ctx, map),
    keyLocs,
  };

  if (fileEntry === undefined) {
    report(
      ctx,
      map,
      `${who}: missing node_file: add node_file: <path of a .ts or .sql file> (or webhook: <table> for a webhook)`,
    );
  } else readNodeFile(ctx, fileEntry, who, spec);

  const idEntry = ents.get("id");
  if (idEntry) spec.id = readId(ctx, idEntry, who) ?? spec.id;
  if (titleEntry) {
    asString(ctx, titleEntry.value, titleEntry.keyNode, `${who}: title`);
  }
  const desc = ents.get("description_file");
  if (desc) {
    const text = asString(
      ctx,
      desc.value,
      desc.keyNode,
      `${who}: description_file`,
    );
    if (text !== undefined) {
      spec.descriptionFile = appPath(
        ctx,
        desc.value as Node,
        text,
        `${who}: description_file`,
        true,
      )?.abs;
    }
  }
  const trigger = ents.get("trigger");
  if (trigger) spec.trigger = readTrigger(ctx, trigger, who);
  spec.inputs = parsePorts(
    ctx,
    ents.get("inputs")?.value ?? null,
    who,
    "inputs",
    keyLocs,
  );
  spec.outputs = parsePorts(
    ctx,
    ents.get("outputs")?.value ?? null,
    who,
    "outputs",
    keyLocs,
  );

  const params = ents.get("parameters");
  const values = ents.get("parameter_values");
  if (params && values) {
    const later =
      locOf(ctx, params.keyNode).line > locOf(ctx, values.keyNode).line
        ? params
        : values;
    report(
      ctx,
      later.keyNode,
      `${who}: both parameters: and parameter_values: are set: they mean the same thing, keep one`,
    );
  }
  const p = params ?? values;
  if (p) {
    spec.parameterValues = parseParameters(ctx, p.value, who, p.key, keyLocs);
  }

  const perms = ents.get("permissions");
  if (perms) {
    keyLocs.permissions = locOf(ctx, perms.keyNode);
    spec.permissions = parsePermissions(ctx, perms.value, who, keyLocs);
  }
  const version = ents.get("version");
  if (version) spec.version = readVersion(ctx, version, who);
  const timeout = ents.get("timeout");
  if (timeout) {
    spec.timeoutMs = readTimeout(ctx, timeout, who) ?? spec.timeoutMs;
  }
  const memory = ents.get("memory");
  if (memory) {
    const mb = readMemory(ctx, memory, who);
    if (mb !== undefined) spec.memoryMb = mb;
  }
  const stage = ents.get("stage");
  const stageName = stage ? readStage(ctx, stage, who) : undefined;
  if (stageName !== undefined) spec.stage = stageName;
  const cache = ents.get("cache");
  const cached = cache ? readFlag(ctx, cache, who, "cache") : undefined;
  if (cached !== undefined) spec.cache = cached;
  const isolate = ents.get("isolate");
  const alone = isolate ? readFlag(ctx, isolate, who, "isolate") : undefined;
  if (alone === true) spec.isolate = true;
  return spec;
}
