/**
 * Stages of graph.yml: the top-level `stages:` list, the per-function
 * `stage:` key, and how the two combine into {@link StageSpec}s.
 *
 * @module
 */

import { isMap, isScalar, type Node } from "npm:yaml@^2.8.0";
import type { SourceLocation } from "../errors.ts";
import type { NodeSpec, StageSpec } from "./graph.ts";
import type { ParsedWebhook } from "./_load_functions.ts";
import {
  asSeq,
  asString,
  type Ctx,
  deref,
  describe,
  didYouMean,
  entries,
  isNull,
  locOf,
  report,
  unknownKeyMessage,
} from "./_load_yaml.ts";

const STAGE_KEYS = ["name", "functions"] as const;

/** One function named by a `stages:` entry, as written. */
export interface ParsedStageRef {
  text: string;
  loc: SourceLocation;
}

/** One valid `stages:` entry (entries with a bad or duplicate name are left out). */
export interface ParsedStage {
  name: string;
  /** Location of the entry (its `- name:` line). */
  loc: SourceLocation;
  refs: ParsedStageRef[];
  /** False when the entry had unknown keys (a misspelt functions:, say). */
  clean: boolean;
}

/** Reads the top-level `stages:` list. */
export function parseStages(ctx: Ctx, node: Node | null): ParsedStage[] {
  const out: ParsedStage[] = [];
  const example = "- name: load";
  const seq = asSeq(
    ctx,
    node,
    "stages",
    "stages: [{ name: load, functions: [Load CSV, clean] }]",
  );
  const firstLine = new Map<string, number>();
  seq?.items.forEach((raw, i) => {
    const item = deref(ctx, raw);
    if (!isMap(item)) {
      const what = isNull(item)
        ? "is empty"
        : `must be a mapping, not ${describe(item)}`;
      report(
        ctx,
        item ?? node,
        `stages entry ${
          i + 1
        } ${what}: e.g. ${example} with functions: [<titles or ids>]`,
      );
      return;
    }
    const rawName = item.get("name");
    const who = typeof rawName === "string" && rawName.trim() !== ""
      ? `Stage "${rawName.trim()}"`
      : `stages entry ${i + 1}`;
    const ents = entries(ctx, item, who);
    let clean = true;
    for (const e of ents.values()) {
      if ((STAGE_KEYS as readonly string[]).includes(e.key)) continue;
      report(ctx, e.keyNode, unknownKeyMessage(who, e.key, STAGE_KEYS));
      clean = false;
    }
    const nameEntry = ents.get("name");
    if (nameEntry === undefined) {
      report(ctx, item, `${who}: missing name: add name: <stage name>`);
      return;
    }
    const what = `${who}: name`;
    const name = asString(ctx, nameEntry.value, nameEntry.keyNode, what)
      ?.trim();
    const refs = readRefs(ctx, ents.get("functions")?.value ?? null, who);
    if (name === undefined) return;
    const line = firstLine.get(name);
    if (line !== undefined) {
      report(
        ctx,
        nameEntry.value,
        `Duplicate stage "${name}" (already declared on line ${line}): give each stage a different name, or merge the two entries`,
      );
      return;
    }
    firstLine.set(name, locOf(ctx, nameEntry.value).line);
    out.push({ name, loc: locOf(ctx, item), refs, clean });
  });
  return out;
}

function readRefs(ctx: Ctx, node: Node | null, who: string): ParsedStageRef[] {
  const seq = asSeq(
    ctx,
    node,
    `${who}: functions`,
    "functions: [Load CSV, clean]",
  );
  const refs: ParsedStageRef[] = [];
  seq?.items.forEach((raw, j) => {
    const item = deref(ctx, raw);
    const at = isNull(item) ? (isScalar(raw) ? raw : seq) : item;
    const text = asString(ctx, item, at, `${who}: functions entry ${j + 1}`);
    if (text !== undefined) {
      refs.push({ text: text.trim(), loc: locOf(ctx, item) });
    }
  });
  return refs;
}

/** What {@link assignStages} works out. */
export interface StageAssignment {
  stages: StageSpec[];
  /** Where each staged node's membership is declared (its `stage:` key, else its listing). */
  memberLoc: Map<NodeSpec, SourceLocation>;
}

/**
 * Puts nodes in the stages that list them, checks listings against
 * `stage:` keys, and builds the stages in order of first appearance.
 * `nodes` must be in topological order. Sets `NodeSpec.stage`.
 */
export function assignStages(
  ctx: Ctx,
  parsed: ParsedStage[],
  nodes: NodeSpec[],
  webhooks: ParsedWebhook[],
): StageAssignment {
  const memberLoc = new Map<NodeSpec, SourceLocation>();
  const listed = new Map<NodeSpec, { stage: string; loc: SourceLocation }>();
  for (const st of parsed) {
    for (const ref of st.refs) {
      const n = nodes.find((x) => x.id === ref.text) ??
        nodes.find((x) => x.title === ref.text);
      if (n === undefined) {
        ctx.issues.push({
          message: unknownRef(st.name, ref.text, nodes, webhooks),
          loc: ref.loc,
        });
        continue;
      }
      const first = listed.get(n);
      if (first === undefined) {
        listed.set(n, { stage: st.name, loc: ref.loc });
        continue;
      }
      const message = first.stage === st.name
        ? `Stage "${st.name}": "${n.title}" is listed twice (line ${first.loc.line}): remove one of the entries`
        : `Stage "${st.name}": "${n.title}" is already in stage "${first.stage}" (line ${first.loc.line}): a node belongs to one stage; remove it from one of them`;
      ctx.issues.push({ message, loc: ref.loc });
    }
  }

  for (const n of nodes) {
    const l = listed.get(n);
    const keyLoc = n.keyLocs.stage;
    if (n.stage !== undefined && keyLoc !== undefined) {
      memberLoc.set(n, keyLoc);
      if (l !== undefined && l.stage !== n.stage) {
        ctx.issues.push({
          message:
            `Node "${n.title}": stage "${n.stage}" disagrees with the stages: entry "${l.stage}", which lists it (line ${l.loc.line}): keep one of them`,
          loc: keyLoc,
        });
      }
    } else if (l !== undefined) {
      n.stage = l.stage;
      memberLoc.set(n, l.loc);
    }
  }
  return { stages: buildStages(ctx, parsed, nodes), memberLoc };
}

function buildStages(
  ctx: Ctx,
  parsed: ParsedStage[],
  nodes: NodeSpec[],
): StageSpec[] {
  // A stage appears where it is first mentioned: its stages: entry or a `stage:` key.
  const firstSeen = new Map<string, SourceLocation>();
  for (const st of parsed) firstSeen.set(st.name, st.loc);
  for (const n of nodes) {
    const keyLoc = n.keyLocs.stage;
    if (n.stage === undefined || keyLoc === undefined) continue;
    const seen = firstSeen.get(n.stage);
    if (seen === undefined || before(keyLoc, seen) < 0) {
      firstSeen.set(n.stage, keyLoc);
    }
  }
  const order = [...firstSeen].sort((a, b) => before(a[1], b[1]));
  const stages: StageSpec[] = [];
  for (const [name, seen] of order) {
    const members = nodes.filter((n) => n.stage === name).map((n) => n.id);
    const declared = parsed.find((st) => st.name === name);
    if (
      members.length === 0 && declared?.refs.length === 0 && declared.clean
    ) {
      ctx.issues.push({
        message:
          `Stage "${name}" has no nodes: list them under functions: or set stage: ${name} on a function (or remove the stage)`,
        loc: declared.loc,
      });
    }
    stages.push({
      name,
      nodes: members,
      loc: declared?.loc ?? seen,
    });
  }
  return stages;
}

function before(a: SourceLocation, b: SourceLocation): number {
  return a.line - b.line || a.col - b.col;
}

function unknownRef(
  stage: string,
  ref: string,
  nodes: NodeSpec[],
  webhooks: ParsedWebhook[],
): string {
  const hook = webhooks.find((w) => w.spec.id === ref || w.spec.table === ref);
  if (hook !== undefined) {
    return `Stage "${stage}": "${ref}" is webhook "${hook.spec.id}": only nodes (node_file:) belong to stages; remove it from functions:`;
  }
  const guess = didYouMean(ref, [
    ...nodes.map((n) => n.id),
    ...nodes.map((n) => n.title),
  ]);
  const hint = guess !== undefined
    ? ` (did you mean "${guess}"?)`
    : nodes.length === 0
    ? ""
    : ` (nodes: ${nodes.map((n) => `${n.id} ("${n.title}")`).join(", ")})`;
  return `Stage "${stage}": no function with title or id "${ref}"${hint}: list functions by their title or id`;
}
