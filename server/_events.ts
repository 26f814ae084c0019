/**
 * The dev server's event hub: run progress, log lines and graph changes,
 * fanned out to every `GET /api/events` stream as Server-Sent Events.
 * Keeps the last events in a ring so a reconnecting client that sends
 * `Last-Event-ID` gets what it missed.
 *
 * @module
 */

/** One event as it goes out: an SSE `event:` name and a JSON payload. */
export interface ServerEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

type Listener = (e: ServerEvent) => void;

const encoder = new TextEncoder();

/** Formats one event as an SSE message block. */
export function formatSse(e: ServerEvent): string {
  const json = JSON.stringify(e.data);
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${json}\n\n`;
}

/** Fans events out to subscribers; see the module doc. */
export class EventHub {
  readonly #listeners = new Set<Listener>();
  readonly #ring: ServerEvent[] = [];
  readonly #ringSize: number;
  /** Open streams → their closer. */
  readonly #streams = new Set<() => void>();
  #next = 1;
  #closed = false;

  constructor(ringSize = 1000) {
    this.#ringSize = ringSize;
  }

  /** Sends `type` with `data` to every subscriber. */
  emit(type: string, data: Record<string, unknown>): void {
    if (this.#closed) return;
    const e: ServerEvent = { id: this.#next++, type, data };
    this.#ring.push(e);
    if (this.#ring.length > this.#ringSize) this.#ring.shift();
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        // one broken subscriber must not stop the others
      }
    }
  }

  /** Calls `fn` for every later event; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Events after `lastId` still in the ring, oldest first. */
  since(lastId: number): ServerEvent[] {
    return this.#ring.filter((e) => e.id > lastId);
  }

  /** How many SSE streams are open (for tests and shutdown). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /**
   * A `text/event-stream` body: a `hello` comment, missed events after
   * `lastEventId`, then every new event, with a keep-alive comment every
   * `keepAliveMs`. Ends when the client goes away or the hub closes.
   */
  stream(
    lastEventId?: number,
    keepAliveMs = 15_000,
  ): ReadableStream<Uint8Array> {
    let unsubscribe = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closer = () => {};
    const cleanup = () => {
      unsubscribe();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      this.#streams.delete(closer);
    };
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (this.#closed) {
          controller.close();
          return;
        }
        closer = () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        this.#streams.add(closer);
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            cleanup();
          }
        };
        send(": runnel events\nretry: 1000\n\n");
        if (lastEventId !== undefined) {
          for (const e of this.since(lastEventId)) send(formatSse(e));
        }
        unsubscribe = this.subscribe((e) => send(formatSse(e)));
        timer = setInterval(() => send(": keep-alive\n\n"), keepAliveMs);
      },
      cancel: cleanup,
    });
  }

  /** Ends every open stream and drops subscribers. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    for (const close of [...this.#streams]) close();
    this.#streams.clear();
  }
}
