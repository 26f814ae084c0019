/**
 * Checks behind `runnel create node|table`: file names, titles, table names
 * and clashes with what graph.yml already declares. Ids and titles are
 * derived exactly as the graph.yml loader derives them.
 *
 * @module
 */

import { posix } from "node:path";
import { UsageError } from "../errors.ts";
import { idFromStem, nameError, stemOf, titleFromStem } from "../graph/mod.ts";

const GRAPH_FILE = "graph.yml";

/** The node id graph.yml derives from a node file name (`nodes/Score-Leads.ts` → `score-leads`). */
export function nodeIdFromFile(file: string): string {
  return idFromStem(stemOf(file));
}

/** The title graph.yml derives from a node file name (`score_leads.ts` → `Score Leads`). */
export function nodeTitleFromFile(file: string): string {
  return titleFromStem(stemOf(file));
}

/** Throws unless `name` may be a table name (and is not reserved for Runnel). */
export function checkTableName(name: string): void {
  const bad = nameError(name, "Table name");
  if (bad !== undefined) throw new UsageError(bad);
}

/** Throws when graph.yml already has this file, id or title (case-insensitive). */
export function checkClashes(
  functions: unknown[],
  rel: string,
  id: string,
  title: string,
  givenTitle: string | undefined,
): void {
  const str = (v: unknown) => typeof v === "string" ? v : undefined;
  for (const fn of functions) {
    if (fn === null || typeof fn !== "object") continue;
    const f = fn as Record<string, unknown>;
    let who: string;
    let otherId: string;
    let otherTitle: string | undefined;
    if (typeof f.node_file === "string") {
      who = posix.normalize(f.node_file.replaceAll("\\", "/"));
      if (who === rel) {
        throw new UsageError(
          `${GRAPH_FILE} already lists ${rel} under functions:. Choose another file name`,
        );
      }
      otherId = str(f.id) ?? nodeIdFromFile(who);
      otherTitle = str(f.title) ?? nodeTitleFromFile(who);
    } else if (typeof f.webhook === "string") {
      who = `the webhook for table ${f.webhook}`;
      otherId = str(f.id) ?? `webhook_${f.webhook}`;
      otherTitle = str(f.title);
    } else continue;
    if (otherId === id) {
      throw new UsageError(
        `Node id "${id}" (from the file name ${rel}) is already used by ${who}. Choose another file name`,
      );
    }
    if (otherTitle?.toLowerCase() === title.toLowerCase()) {
      throw new UsageError(
        `Title "${title}" is already used by ${who}. Choose a different title${
          givenTitle === undefined ? " (--title) or file name" : ""
        }`,
      );
    }
  }
}

export function checkTitle(title: string | undefined): string | undefined {
  if (title === undefined) return undefined;
  const t = title.trim();
  if (t === "" || /[\r\n]/.test(t)) {
    throw new UsageError(
      `Title ${
        JSON.stringify(title)
      } is not allowed: give a non-empty title on one line`,
    );
  }
  return t;
}

/** Validates a node file name and returns it normalized, relative, with `/`. */
export function checkNodeFile(file: string): string {
  const slashed = file.trim().replaceAll("\\", "/");
  const hint = "e.g. score_leads.ts or nodes/score_leads.sql";
  if (slashed === "") {
    throw new UsageError(`Node file name is empty: pass one, ${hint}`);
  }
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) {
    throw new UsageError(
      `Node file "${file}" must be a path relative to the app directory, ${hint}`,
    );
  }
  const rel = posix.normalize(slashed);
  if (rel === ".." || rel.startsWith("../")) {
    throw new UsageError(
      `Node file "${file}" is outside the app directory: use a path inside it, ${hint}`,
    );
  }
  if (!/\.(ts|js|sql)$/.test(rel) || /(^|\/)\.(ts|js|sql)$/.test(rel)) {
    throw new UsageError(
      `Node file "${file}" must end in .ts, .js or .sql, ${hint}`,
    );
  }
  if (rel.endsWith(".d.ts")) {
    throw new UsageError(
      `Node file "${file}" is a .d.ts (types-only) name: use a plain .ts name, ${hint}`,
    );
  }
  if (rel === ".runnel" || rel.startsWith(".runnel/")) {
    throw new UsageError(
      `Node file "${file}" is inside .runnel/, which Runnel owns: ${hint}`,
    );
  }
  return rel;
}
