/**
 * Helpers for the dev server's tests: temp copies of the example app, an
 * SSE reader, and a clock whose time the test moves.
 *
 * @module
 */

import { join } from "node:path";
import { fromFileUrl } from "../core/path.ts";
import type { ServerClock } from "./_schedule.ts";

const LEADS = fromFileUrl(new URL("../examples/leads", import.meta.url));

/** Copies examples/leads to a temp dir (plus extra files) and returns it. */
export async function copyLeads(
  extra: Record<string, string> = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_serve_" });
  for await (const e of Deno.readDir(LEADS)) {
    if (e.isFile) await Deno.copyFile(join(LEADS, e.name), join(dir, e.name));
  }
  for (const [name, text] of Object.entries(extra)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

/** One parsed SSE message. */
export interface SseMessage {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads SSE messages from `res` until `done(messages)` is true or
 * `timeoutMs` passes (then throws, listing what arrived). Cancels the body.
 */
export async function readSse(
  res: Response,
  done: (messages: SseMessage[]) => boolean,
  timeoutMs = 20_000,
): Promise<SseMessage[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const out: SseMessage[] = [];
  let buf = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `SSE timeout; got: ${out.map((m) => m.event).join(", ")}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    while (!done(out)) {
      const { value, done: end } = await Promise.race([reader.read(), timeout]);
      if (end) break;
      buf += value;
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const msg: SseMessage = { event: "message", data: {} };
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) msg.event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
          else if (line.startsWith("id: ")) msg.id = line.slice(4);
        }
        if (data === "") continue; // comments, retry hints
        msg.data = JSON.parse(data);
        out.push(msg);
      }
    }
    return out;
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

/** A clock whose time only moves when the test calls {@link FakeClock.advance}. */
export class FakeClock implements ServerClock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms` at once, then fires what is due (a late timer, as after a sleep). */
  jump(ms: number): void {
    this.#now += ms;
    this.advance(0);
  }

  /** Moves time forward by `ms`, firing due timers in order, each at its time. */
  advance(ms: number): void {
    const end = this.#now + ms;
    while (true) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const t of this.#timers) {
        if (t[1].at <= end && (first === undefined || t[1].at < first[1].at)) {
          first = t;
        }
      }
      if (first === undefined) break;
      this.#timers.delete(first[0]);
      this.#now = Math.max(this.#now, first[1].at);
      first[1].fn();
    }
    this.#now = end;
  }
}

/** Polls `check` every 20 ms until it is true, or throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
