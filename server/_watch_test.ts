import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ignoredPath, watchDir } from "./_watch.ts";

/** A watcher that has seen the tree; `changed` resolves with its first report. */
async function nextChange(
  dir: string,
  ignore?: (p: string) => boolean,
): Promise<{ changed: Promise<string[]>; close(): Promise<void> }> {
  let resolve!: (paths: string[]) => void;
  const changed = new Promise<string[]>((r) => resolve = r);
  const w = watchDir(dir, resolve, 20, ignore, 20);
  await w.ready;
  return { changed, close: () => w.close() };
}

/** Whether another process can take the write lock of the SQLite file. */
async function otherProcessCanWrite(path: string): Promise<boolean> {
  const code = `
    import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync(${JSON.stringify(path)});
    try { db.exec("BEGIN IMMEDIATE"); console.log("took it"); }
    catch (e) { console.log(String(e.message)); }
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.ok(
    text === "took it" || /locked/.test(text),
    `unexpected answer: ${text}`,
  );
  return text === "took it";
}

Deno.test("watchDir: reports added, changed and removed files, not ignored ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.ts"), "1");
    await Deno.mkdir(join(dir, ".runnel"));
    let w = await nextChange(dir, (p) => ignoredPath(dir, p));
    await Deno.writeTextFile(join(dir, ".runnel", "runnel.db"), "x");
    await Deno.writeTextFile(join(dir, "b.ts"), "2");
    assert.deepEqual(await w.changed, [join(dir, "b.ts")]);
    await w.close();

    w = await nextChange(dir, (p) => ignoredPath(dir, p));
    await Deno.writeTextFile(join(dir, "a.ts"), "changed, and longer");
    await Deno.remove(join(dir, "b.ts"));
    assert.deepEqual(
      (await w.changed).sort(),
      [join(dir, "a.ts"), join(dir, "b.ts")],
    );
    await w.close();

    w = await nextChange(dir, (p) => ignoredPath(dir, p));
    await Deno.mkdir(join(dir, "lib"));
    await Deno.writeTextFile(join(dir, "lib", "c.ts"), "3");
    assert.ok((await w.changed).includes(join(dir, "lib", "c.ts")));
    await w.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Closing any descriptor of a file drops every POSIX lock the process holds
// on it, SQLite's included. A watcher that opened changed files to compare
// them let a second process write a store the server was writing: the file
// was corrupted. The watcher must only ever stat.
Deno.test("watchDir: a change to a SQLite file the process has locked leaves its locks in place", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "data.db");
  const db = new DatabaseSync(path);
  try {
    db.exec("CREATE TABLE t (a)");
    db.exec("BEGIN IMMEDIATE");
    db.exec("INSERT INTO t VALUES (1)");
    assert.equal(await otherProcessCanWrite(path), false);
    const w = await nextChange(dir);
    const later = new Date(Date.now() + 5_000);
    await Deno.utime(path, later, later);
    assert.ok((await w.changed).includes(path));
    await w.close();
    assert.equal(
      await otherProcessCanWrite(path),
      false,
      "the watcher released the process's lock on the database",
    );
    db.exec("COMMIT");
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
