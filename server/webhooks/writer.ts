/**
 * Appends webhook records to their tables with group commit: each request
 * is appended atomically (all of its records or none), and requests that
 * arrive while a commit is in flight share the next publication, so a
 * busy webhook does not pay one commit per request. (An append-only
 * publication costs the rows it appends, not the table: see `stores/store.ts`.)
 *
 * Webhook tables have a fixed shape, {@link WEBHOOK_DEF}: `_id` (1, 2, 3…),
 * `_created` (the time the server received the record) and `record` (the
 * JSON object as received).
 *
 * @module
 */

import { StoreError } from "../../core/errors.ts";
import type { Row } from "../../core/schema/schema.ts";
import type { Store, TableDef, TableInfo } from "../../stores/store.ts";

/** The definition of every webhook table. */
export const WEBHOOK_DEF: TableDef = {
  schema: { _id: "Integer", _created: "DateTime", record: "Json" },
  uniqueOn: [],
  addMonotonicId: "_id",
  addCreated: "_created",
};

/** Run id recorded as the writer of webhook commits. */
export const WEBHOOK_RUN_ID = "webhook";

interface Pending {
  table: string;
  webhookId: string;
  records: Record<string, unknown>[];
  resolve: (n: number) => void;
  reject: (err: unknown) => void;
}

/** True when `info` has the shape of a webhook table. */
export function isWebhookShape(info: Pick<TableInfo, keyof TableDef>): boolean {
  return JSON.stringify(info.schema) === JSON.stringify(WEBHOOK_DEF.schema) &&
    info.uniqueOn.length === 0 && info.addMonotonicId === "_id" &&
    info.addCreated === "_created";
}

/** Serializes webhook appends onto one store; see the module doc. */
export class WebhookWriter {
  readonly #store: Store;
  #queue: Pending[] = [];
  #busy: Promise<void> | undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Appends `records` to `table`; resolves with their count once committed. */
  append(
    table: string,
    webhookId: string,
    records: Record<string, unknown>[],
  ): Promise<number> {
    if (records.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ table, webhookId, records, resolve, reject });
      this.#busy ??= this.#drain();
    });
  }

  /** Creates the webhook tables that do not exist yet (empty), so downstream nodes can read them. */
  async ensureTables(tables: { table: string; id: string }[]): Promise<void> {
    const missing: { table: string; id: string }[] = [];
    for (const t of tables) {
      if ((await this.#store.describeTable(t.table)) === undefined) {
        missing.push(t);
      }
    }
    if (missing.length === 0) return;
    const pub = await this.#store.beginPublication();
    try {
      for (const t of missing) await pub.init(t.table, WEBHOOK_DEF);
      await pub.commit({ runId: WEBHOOK_RUN_ID });
    } catch (err) {
      await pub.discard();
      throw err;
    }
  }

  /** Waits for every queued append. */
  async flush(): Promise<void> {
    while (this.#busy) await this.#busy;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // One turn of the event loop first: requests already arriving join this commit.
        await new Promise((r) => setTimeout(r, 0));
        const batch = this.#queue;
        this.#queue = [];
        await this.#commit(batch);
      }
    } finally {
      this.#busy = undefined;
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    const ok: [Pending, number][] = [];
    let pub;
    try {
      pub = await this.#store.beginPublication();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    try {
      const inited = new Set<string>();
      for (const p of batch) {
        try {
          if (!inited.has(p.table)) {
            await this.#checkShape(p.table);
            await pub.init(p.table, WEBHOOK_DEF);
            inited.add(p.table);
          }
          const rows: Row[] = new Array(p.records.length);
          for (let i = 0; i < rows.length; i++) {
            rows[i] = { record: p.records[i] };
          }
          ok.push([p, await pub.append(p.table, rows)]);
        } catch (err) {
          p.reject(err); // its append wrote nothing; the others go on
        }
      }
      if (ok.length === 0) {
        await pub.discard();
        return;
      }
      await pub.commit({ runId: WEBHOOK_RUN_ID, nodeId: ok[0]![0].webhookId });
    } catch (err) {
      await pub.discard().catch(() => {});
      for (const [p] of ok) p.reject(err);
      return;
    }
    for (const [p, n] of ok) p.resolve(n);
  }

  async #checkShape(table: string): Promise<void> {
    const info = await this.#store.describeTable(table);
    if (info !== undefined && !isWebhookShape(info)) {
      throw new StoreError(
        `Table "${table}" already exists with columns ${
          Object.keys(info.schema).join(", ")
        }, so the webhook cannot append to it (webhook tables hold _id, _created and record): point the webhook at a new table`,
      );
    }
  }
}
