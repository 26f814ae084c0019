/**
 * The planner's decision for one node: run or skip, with the reasons a user
 * can act on ("code changed: helpers.ts", "parameter limit changed",
 * "input raw_leads changed", "version 1 → 2", …).
 *
 * @module
 */

import type { Components } from "./cache_key.ts";
import type { NodeCacheRecord } from "../../stores/store.ts";

/** What the planner decided for a node. */
export interface Decision {
  action: "run" | "skip";
  /** Why, most important first. For a skip: what it is cached from. */
  reasons: string[];
}

/** Facts besides the components that a decision depends on. */
export interface DecisionContext {
  /** `--force` selected this node. */
  force: boolean;
  /** The node has `net` access and no `cache: true`. */
  volatile: boolean;
  /** Output tables that do not exist in the store. */
  missingOutputs: string[];
}

/** Decides whether a node with `current` components must run, given its last successful record. */
export function decide(
  current: Components,
  prev: NodeCacheRecord | undefined,
  ctx: DecisionContext,
): Decision {
  if (ctx.force) return { action: "run", reasons: ["--force"] };
  if (!prev) return { action: "run", reasons: ["never ran successfully"] };
  if (ctx.volatile) {
    return {
      action: "run",
      reasons: [
        "it has net access, so its source is outside Runnel (volatile); add cache: true to its graph.yml entry to cache it",
      ],
    };
  }
  const reasons = explainChanges(prev.components, current);
  for (const t of ctx.missingOutputs) {
    reasons.push(`output table ${t} is missing`);
  }
  if (reasons.length > 0) return { action: "run", reasons };
  return {
    action: "skip",
    reasons: [`unchanged since run ${prev.runId}`],
  };
}

/** Lists what differs between two component sets, in a stable, readable order. */
export function explainChanges(prev: Components, cur: Components): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(prev), ...Object.keys(cur)])].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  for (const name of names) {
    const a = prev[name];
    const b = cur[name];
    if (a === b) continue;
    const [kind, ...rest] = name.split(":");
    const what = rest.join(":");
    switch (kind) {
      case "code":
        out.push(
          a === undefined
            ? `code: now imports ${what}`
            : b === undefined
            ? `code: no longer imports ${what}`
            : `code changed: ${what}`,
        );
        break;
      case "import":
        out.push(`imports changed: ${what}`);
        break;
      case "sql":
        out.push("SQL changed");
        break;
      case "entry":
        out.push(
          "its graph.yml entry changed (ports, permissions, timeout or stage)",
        );
        break;
      case "version":
        out.push(`version ${a ?? "(none)"} → ${b ?? "(none)"}`);
        break;
      case "param":
        out.push(
          a === undefined
            ? `parameter ${what} is new`
            : b === undefined
            ? `parameter ${what} was removed`
            : `parameter ${what} changed`,
        );
        break;
      case "file":
        out.push(`read file ${what} changed`);
        break;
      case "input":
        out.push(
          b === "absent"
            ? `input ${what} is missing`
            : a === undefined
            ? `new input ${what}`
            : b === undefined
            ? `no longer reads ${what}`
            : `input ${what} changed`,
        );
        break;
      default:
        out.push(`${name} changed`);
    }
  }
  return out;
}

const ORDER = [
  "version",
  "code",
  "import",
  "sql",
  "entry",
  "param",
  "file",
  "input",
];

function rank(name: string): number {
  const i = ORDER.indexOf(name.split(":")[0]!);
  return i === -1 ? ORDER.length : i;
}
