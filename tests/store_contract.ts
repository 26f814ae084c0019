/**
 * The Store contract suite: one set of tests every Store implementation
 * must pass, written against the interface only (no SQL, no driver
 * specifics). An implementation's test file calls {@link storeContract}
 * with a function that opens a fresh, empty store.
 *
 * @module
 */

import type { Store } from "../stores/mod.ts";
import { registerTableTests } from "./_store_contract_tables.ts";
import { registerPublicationTests } from "./_store_contract_publication.ts";
import { registerRecordTests } from "./_store_contract_records.ts";
import { registerContentVersionTests } from "./_store_contract_content.ts";
import { registerMaterializeTests } from "./_store_contract_materialize.ts";
import { registerCacheAndLockTests } from "./_store_contract_cache_lock.ts";
import { registerOrderTests } from "./_store_contract_order.ts";
import { registerAppendTests } from "./_store_contract_append.ts";
import { registerRowidTests } from "./_store_contract_rowid.ts";
import { registerSnapshotTests } from "./_store_contract_snapshot.ts";

/** What the opener of a fresh store returns. */
export interface OpenedStore {
  store: Store;
  /** Opens the same store again; other instances may still be open. */
  reopen: () => Promise<Store>;
  /** Removes everything the store left behind (files, schemas, …). */
  cleanup: () => Promise<void>;
}

/** The live store of one test; {@link Harness.reopen} replaces it. */
export interface Harness {
  store: Store;
  /** Closes the current store without committing anything and opens it again. */
  reopen(): Promise<Store>;
  /**
   * Opens another instance of the same store beside the current one, as a
   * second process would (closed at the end of the test).
   */
  second(): Promise<Store>;
}

/** Registers one contract test. */
export type ContractTest = (
  title: string,
  fn: (h: Harness) => Promise<void>,
) => void;

/**
 * Registers every contract test for the store called `name`. `open` must
 * return a fresh, empty store each time it is called. With `ignore`, the
 * tests are registered as ignored (the store is not available here).
 */
export function storeContract(
  name: string,
  open: () => Promise<OpenedStore>,
  opts: { ignore?: boolean } = {},
): void {
  const test: ContractTest = (title, fn) => {
    Deno.test({
      name: `store contract (${name}): ${title}`,
      ignore: opts.ignore === true,
    }, async () => {
      const opened = await open();
      const all: Store[] = [opened.store];
      const h: Harness = {
        store: opened.store,
        async reopen() {
          await h.store.close();
          h.store = await opened.reopen();
          all.push(h.store);
          return h.store;
        },
        async second() {
          const other = await opened.reopen();
          all.push(other);
          return other;
        },
      };
      try {
        await fn(h);
      } finally {
        for (const s of all) await s.close();
        await opened.cleanup();
      }
    });
  };
  registerTableTests(test);
  registerPublicationTests(test);
  registerRecordTests(test);
  registerContentVersionTests(test);
  registerMaterializeTests(test);
  registerCacheAndLockTests(test);
  registerAppendTests(test);
  registerOrderTests(test);
  registerRowidTests(test);
  registerSnapshotTests(test);
}
