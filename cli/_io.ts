/**
 * The CLI's window on the world: output streams, terminal facts and the
 * working directory. Commands never touch `Deno.stdout` or `console`
 * directly, so tests can run `main()` in-process and read what it printed.
 *
 * @module
 */

/** Output and environment seam for CLI commands. */
export interface CliIo {
  /** Writes a line (a newline is added) to standard output. */
  out(line: string): void;
  /** Writes a line (a newline is added) to standard error. */
  err(line: string): void;
  /** Writes raw text to standard error (used for live progress lines). */
  errRaw(text: string): void;
  /** Whether standard error is a terminal (live progress is shown only then). */
  isTty: boolean;
  /** Whether to color output (off when NO_COLOR is set or not a terminal). */
  color: boolean;
  /** Directory that relative paths resolve against. */
  cwd: string;
  /** Environment lookup. */
  env(name: string): string | undefined;
}

const encoder = new TextEncoder();

/** The real terminal. */
export function denoIo(): CliIo {
  const isTty = Deno.stderr.isTerminal();
  const noColor = Deno.env.get("NO_COLOR") !== undefined &&
    Deno.env.get("NO_COLOR") !== "";
  return {
    out: (line) => Deno.stdout.writeSync(encoder.encode(line + "\n")),
    err: (line) => Deno.stderr.writeSync(encoder.encode(line + "\n")),
    errRaw: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    isTty,
    color: isTty && !noColor,
    cwd: Deno.cwd(),
    env: (name) => Deno.env.get(name),
  };
}

/** An in-memory io for tests: everything printed is collected. */
export function memoryIo(
  opts: { cwd?: string; env?: Record<string, string> } = {},
): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    errRaw: (t) => stderr.push(t),
    isTty: false,
    color: false,
    cwd: opts.cwd ?? Deno.cwd(),
    env: (n) => opts.env?.[n],
  };
}

/** Minimal ANSI styling that honours `io.color`. */
export function style(io: CliIo) {
  const wrap = (code: string) => (s: string) =>
    io.color ? `\x1b[${code}m${s}\x1b[0m` : s;
  return {
    bold: wrap("1"),
    dim: wrap("2"),
    red: wrap("31"),
    green: wrap("32"),
    yellow: wrap("33"),
    blue: wrap("34"),
    cyan: wrap("36"),
  };
}
