import assert from "node:assert/strict";
import { StoreError } from "../../core/errors.ts";
import { openSqliteStore } from "./mod.ts";

const MOD = new URL("./mod.ts", import.meta.url).href;

/** A `runnel run` stand-in: another process holding the store's run lock. */
class Holder {
  readonly child: Deno.ChildProcess;
  readonly #lines: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(path: string) {
    const code = `
      const { openSqliteStore } = await import(${JSON.stringify(MOD)});
      const store = await openSqliteStore(${JSON.stringify(path)});
      const lock = await store.lock({ owner: "child run (pid " + Deno.pid + ")", wait: false });
      console.log("locked");
      for await (const _ of Deno.stdin.readable) { /* until stdin closes */ }
      await lock.release();
      console.log("released");
      await store.close();`;
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#lines = this.child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
  }

  /** Waits until the child printed `word`. */
  async expect(word: string): Promise<void> {
    while (!this.#buffer.includes(word)) {
      const { value, done } = await this.#lines.read();
      if (done) throw new Error(`child ended before printing "${word}"`);
      this.#buffer += value;
    }
  }

  /** Lets the child release the lock and exit normally. */
  async finish(): Promise<void> {
    await this.child.stdin.close();
    await this.expect("released");
    await this.#drain();
  }

  async #drain(): Promise<void> {
    while (!(await this.#lines.read()).done) {
      // discard
    }
    await this.child.status;
  }

  /** Kills the child as hard as possible. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.#drain();
    try {
      await this.child.stdin.close();
    } catch {
      // the pipe is gone with the process
    }
  }
}

async function withPath(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_lock_" });
  try {
    await fn(`${dir}/runnel.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sqlite lock: another process holds it; we fail at once or wait", async () => {
  await withPath(async (path) => {
    await (await openSqliteStore(path)).close();
    const holder = new Holder(path);
    await holder.expect("locked");
    const store = await openSqliteStore(path);
    try {
      await assert.rejects(
        store.lock({ owner: "parent", wait: false }),
        (err: Error) => {
          assert.ok(err instanceof StoreError);
          assert.match(err.message, /Another run holds the lock on /);
          assert.ok(err.message.includes(path));
          assert.match(err.message, /child run \(pid \d+\)/);
          assert.match(err.message, /without --no-wait/);
          return true;
        },
      );
      const waits: string[] = [];
      const waiting = store.lock({
        owner: "parent",
        wait: true,
        onWait: (h) => waits.push(h),
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(waits.length, 1);
      assert.match(waits[0]!, /child run \(pid \d+\)/);
      await holder.finish();
      const lock = await waiting;
      assert.equal(waits.length, 1);
      await lock.release();
    } finally {
      await store.close();
    }
  });
});

Deno.test("sqlite lock: a SIGKILLed holder frees the lock by itself", async () => {
  if (Deno.build.os === "windows") return;
  await withPath(async (path) => {
    await (await openSqliteStore(path)).close();
    const store = await openSqliteStore(path);
    try {
      let holder = new Holder(path);
      await holder.expect("locked");
      await assert.rejects(store.lock({ owner: "p", wait: false }), /child/);
      await holder.kill();
      await (await store.lock({ owner: "p", wait: false })).release();

      // A waiter gets it as soon as the holder dies.
      holder = new Holder(path);
      await holder.expect("locked");
      const waiting = store.lock({ owner: "p", wait: true });
      await new Promise((r) => setTimeout(r, 200));
      await holder.kill();
      const lock = await waiting;
      await lock.release();
    } finally {
      await store.close();
    }
  });
});

Deno.test("sqlite lock: closing the store releases its lock", async () => {
  await withPath(async (path) => {
    const a = await openSqliteStore(path);
    const b = await openSqliteStore(path);
    await a.lock({ owner: "a", wait: false });
    await assert.rejects(b.lock({ owner: "b", wait: false }), /: a;/);
    await a.close();
    await (await b.lock({ owner: "b", wait: false })).release();
    await b.close();
  });
});
