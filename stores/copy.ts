/**
 * Copying an app from one store to another (`runnel store copy`): every
 * table's current version (definition and rows, in order), and the
 * history: runs, node runs, logs, node state and node cache records. Cache
 * records are rewritten to the destination's content versions, so the
 * first run after a copy is as cached as the next run on the source would
 * have been. Table versions restart at 1 on the destination.
 *
 * @module
 */

import { StoreError } from "../core/errors.ts";
import { keyOf } from "../core/plan/cache_key.ts";
import type { NodeCacheRecord, Store, TableDef } from "./store.ts";

/** What {@link copyStore} copied. */
export interface CopySummary {
  tables: number;
  rows: number;
  runs: number;
  nodeRuns: number;
  logs: number;
  states: number;
  cacheRecords: number;
}

/** Rows read and written at a time. */
const CHUNK = 50_000;

/**
 * Copies everything of `from` into `to`, which must be empty. Holds both
 * stores' run locks meanwhile. `onTable` reports progress.
 */
export async function copyStore(
  from: Store,
  to: Store,
  onTable?: (name: string, rows: number) => void,
): Promise<CopySummary> {
  const owner = `store copy (pid ${Deno.pid})`;
  const fromLock = await from.lock({ owner, wait: false });
  try {
    const toLock = await to.lock({ owner, wait: false });
    try {
      return await copyLocked(from, to, onTable);
    } finally {
      await toLock.release();
    }
  } finally {
    await fromLock.release();
  }
}

async function copyLocked(
  from: Store,
  to: Store,
  onTable?: (name: string, rows: number) => void,
): Promise<CopySummary> {
  if (
    (await to.listTables()).length > 0 || (await to.listRuns(1)).length > 0
  ) {
    throw new StoreError(
      `The destination ${to.location} already holds tables or runs; copy into an empty store (a new file, or a new schema with ?schema=)`,
    );
  }
  const summary: CopySummary = {
    tables: 0,
    rows: 0,
    runs: 0,
    nodeRuns: 0,
    logs: 0,
    states: 0,
    cacheRecords: 0,
  };
  // Source content version → destination content version, per table.
  const versions = new Map<string, [string, string]>();
  for (const info of await from.listTables()) {
    const def: TableDef = { schema: info.schema, uniqueOn: info.uniqueOn };
    if (info.addCreated !== undefined) def.addCreated = info.addCreated;
    if (info.addMonotonicId !== undefined) {
      def.addMonotonicId = info.addMonotonicId;
    }
    const pub = await to.beginPublication();
    try {
      await pub.init(info.name, def);
      let n = 0;
      for (let offset = 0;; offset += CHUNK) {
        const rows = await from.readRows(info.name, { offset, limit: CHUNK });
        if (rows.length > 0) await pub.append(info.name, rows);
        n += rows.length;
        if (rows.length < CHUNK) break;
      }
      const owner: { runId: string; nodeId?: string } = {
        runId: info.runId ?? "store-copy",
      };
      if (info.nodeId !== undefined) owner.nodeId = info.nodeId;
      const done = await pub.commit(owner);
      versions.set(info.name, [
        info.contentVersion,
        done.contentVersions[info.name]!,
      ]);
      summary.tables++;
      summary.rows += n;
      onTable?.(info.name, n);
    } catch (err) {
      await pub.discard();
      throw err;
    }
  }

  const runs = (await from.listRuns(Number.MAX_SAFE_INTEGER)).reverse();
  const nodes = new Set<string>();
  for (const run of runs) {
    await to.createRun(run);
    const nodeRuns = await from.listNodeRuns(run.id);
    await to.saveNodeRuns(nodeRuns);
    for (const r of nodeRuns) nodes.add(r.nodeId);
    const logs = await from.listLogs(run.id);
    for (let i = 0; i < logs.length; i += CHUNK) {
      await to.appendLogs(logs.slice(i, i + CHUNK));
    }
    summary.runs++;
    summary.nodeRuns += nodeRuns.length;
    summary.logs += logs.length;
  }

  const caches = await from.getNodeCache();
  for (const id of caches.keys()) nodes.add(id);
  const pub = await to.beginPublication();
  try {
    for (const id of nodes) {
      const state = await from.getState(id);
      if (Object.keys(state).length > 0) {
        pub.setState(id, state);
        summary.states++;
      }
    }
    for (const rec of caches.values()) {
      pub.setNodeCache(translate(rec, versions));
      summary.cacheRecords++;
    }
    await pub.commit({ runId: "store-copy" });
  } catch (err) {
    await pub.discard();
    throw err;
  }
  return summary;
}

/** A cache record whose input versions name the destination's content versions. */
function translate(
  rec: NodeCacheRecord,
  versions: Map<string, [string, string]>,
): NodeCacheRecord {
  const components = { ...rec.components };
  let changed = false;
  for (const [name, value] of Object.entries(components)) {
    if (!name.startsWith("input:")) continue;
    const v = versions.get(name.slice("input:".length));
    if (v !== undefined && v[0] === value) {
      components[name] = v[1];
      changed = true;
    }
  }
  return changed ? { ...rec, components, key: keyOf(components) } : rec;
}
