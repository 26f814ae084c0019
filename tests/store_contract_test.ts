import { openSqliteStore } from "../stores/sqlite.ts";
import { storeContract } from "./store_contract.ts";

storeContract("sqlite", async () => {
  const dir = await Deno.makeTempDir({ prefix: "runnel_store_" });
  const path = `${dir}/nested/runnel.db`;
  return {
    store: await openSqliteStore(path),
    reopen: () => openSqliteStore(path),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});
