/**
 * Ctrl+C and termination requests for long commands: the first one calls
 * back so the command can stop cleanly; the listeners are then removed, so
 * a second one ends the process at once (the default).
 *
 * @module
 */

/** The signals that ask Runnel to stop on this OS. */
function stopSignals(): Deno.Signal[] {
  return Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
}

/**
 * Calls `fn` with the first stop signal. Returns a function that removes
 * the listeners (call it when the command ends).
 */
export function onFirstSignal(fn: (sig: Deno.Signal) => void): () => void {
  let handlers: [Deno.Signal, () => void][] = [];
  const remove = () => {
    for (const [s, f] of handlers) Deno.removeSignalListener(s, f);
    handlers = [];
  };
  handlers = stopSignals().map((sig) => {
    const h = () => {
      remove();
      fn(sig);
    };
    Deno.addSignalListener(sig, h);
    return [sig, h];
  });
  return remove;
}

/** Resolves on the first stop signal. */
export function untilSignal(): Promise<Deno.Signal> {
  return new Promise((resolve) => onFirstSignal(resolve));
}
