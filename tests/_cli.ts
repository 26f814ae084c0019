// Runnel in a child process, as a user runs it: `runnel …` to completion,
// and `runnel serve` in the background.

import { fromFileUrl } from "../core/path.ts";

const MAIN = fromFileUrl(new URL("../main.ts", import.meta.url));

/** Runs `runnel …` in `cwd` to the end; returns its exit code and output. */
export async function runnel(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** Starts `runnel serve …`; resolves with the first stdout line (the URL). */
export async function serve(args: string[]): Promise<{
  child: Deno.ChildProcess;
  url: string;
  stderr: Promise<string>;
}> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--unstable-worker-options",
      MAIN,
      "serve",
      ...args,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    out += value;
  }
  lines.releaseLock();
  const stderr = new Response(child.stderr).text();
  return { child, url: out.split("\n")[0]!.trim(), stderr };
}

/** A TCP port nothing listens on now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
