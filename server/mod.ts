/**
 * `runnel serve`'s engine: {@link createServer} opens the app's store,
 * loads graph.yml (keeping the error when it is invalid: the server never
 * crashes on a bad graph), and wires the JSON API, the event stream,
 * webhooks, cron schedules and the file watcher into one hono `app`.
 * Tests call `app.request()`; the CLI hands `app.fetch` to `Deno.serve`.
 *
 * @module
 */

import { resolve } from "node:path";
import type { Hono } from "npm:hono@^4.6.0";
import type { GraphError } from "../core/errors.ts";
import type { Graph } from "../core/graph/graph.ts";
import type { RunOptions } from "../core/run/runner.ts";
import { openStore, sqlitePathOf } from "../stores/mod.ts";
import type { Store } from "../stores/store.ts";
import { resolveToken, webhookToken } from "./_auth.ts";
import type { ServerContext, ServerLimits } from "./_context.ts";
import { EventHub } from "./_events.ts";
import { GraphState, type ReloadResult } from "./_graph_state.ts";
import { LastStatus } from "./_last_status.ts";
import { RunManager } from "./_runs.ts";
import { CronScheduler, realClock, type ServerClock } from "./_schedule.ts";
import { Secrets } from "./_secrets.ts";
import { type DirWatcher, ignoredPath, watchDir } from "./_watch.ts";
import { WebhookWriter } from "./webhooks/mod.ts";
import { createApp, type UiMount } from "./app.ts";
import { loadGraph } from "../core/graph/load.ts";
import { mountUi } from "./ui/mod.ts";

export type { ServerClock } from "./_schedule.ts";
export type { ServerLimits } from "./_context.ts";
export type { UiMount } from "./app.ts";
export { isLoopback, resolveToken, webhookToken } from "./_auth.ts";
export { WEBHOOK_DEF } from "./webhooks/mod.ts";
export { baseUrl, webhookUrls } from "./_urls.ts";

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The app directory (holding graph.yml). */
  appDir: string;
  /** `--store` URL; default `<app>/.runnel/runnel.db`. */
  storeUrl?: string;
  /** Server token. Without one, a non-loopback `host` gets a generated token. */
  token?: string;
  /** Address the server will bind (for the token rule); default 127.0.0.1. */
  host?: string;
  /** Start a run after every successful reload (the planner skips what is unchanged). */
  watchRun?: boolean;
  /** Watch the app directory (default true). */
  watch?: boolean;
  /** Quiet period of the watcher, ms (default 100). */
  debounceMs?: number;
  /** Clock and timer for schedules and run records (default: real). */
  clock?: ServerClock;
  limits?: Partial<ServerLimits>;
  /** Extra options of every run (tests: concurrency, loader). */
  runOptions?: Partial<RunOptions>;
  /** Mounts the dashboard (default: `server/ui`); false: a plain index page. */
  ui?: UiMount | false;
}

/** A running dev server (without a socket: see `cli/serve.ts`). */
export interface RunnelServer {
  app: Hono;
  /** Absolute app directory. */
  dir: string;
  store: Store;
  /** The token in force, if any. */
  token?: string;
  /** True when the token was generated (print it once). */
  tokenGenerated: boolean;
  /** The last valid graph (if any) and the current graph.yml error (if any), for the dashboard. */
  state(): { graph?: Graph; error?: GraphError };
  /** Reloads graph.yml now, as the watcher does. */
  reload(): Promise<ReloadResult>;
  /** The token of a webhook's table (undefined without a server token). */
  webhookToken(table: string): string | undefined;
  /** Resolves when no run is going or queued, and webhook writes are done. */
  idle(): Promise<void>;
  /** Stops watching and scheduling, waits for the current run, closes the store. */
  close(): Promise<void>;
}

/** Creates the server; see the module doc. */
export async function createServer(opts: ServerOptions): Promise<RunnelServer> {
  const dir = resolve(opts.appDir);
  const clock = opts.clock ?? realClock;
  const { token, generated } = resolveToken(
    opts.host ?? "127.0.0.1",
    opts.token,
  );
  // A PostgreSQL store keeps each app in the schema named by its slug; an
  // invalid graph.yml at startup leaves it to the URL's ?schema= (else a clear error).
  const slug = await loadGraph(dir).then((g) => g.slug, () => undefined);
  const store = await openStore(opts.storeUrl, dir, { slug });
  const graphs = new GraphState(dir);
  const hub = new EventHub();
  const secrets = new Secrets();
  const webhooks = new WebhookWriter(store);
  const lastStatus = new LastStatus(store);
  const runs = new RunManager({
    graph: () => graphs.graph,
    store,
    hub,
    secrets,
    now: () => clock.now(),
    runOptions: opts.runOptions,
  });
  const scheduler = new CronScheduler(
    clock,
    (ids) =>
      runs.enqueue({ nodes: ids.map((id) => `${id}+`), trigger: "schedule" }),
  );

  const graphListeners: ((g: Graph) => void)[] = [];
  const apply = async (r: ReloadResult, announce: boolean) => {
    if (announce) runs.retireWorkers();
    if (r.valid) {
      for (const fn of graphListeners) fn(r.graph);
      await secrets.learnGraph(r.graph);
      scheduler.setGraph(r.graph);
      try {
        await webhooks.ensureTables(r.graph.webhooks);
      } catch (err) {
        hub.emit("webhook-error", { error: (err as Error).message });
      }
      if (announce) hub.emit("graph-changed", { valid: true });
      if (announce && opts.watchRun) runs.enqueue({ trigger: "watch" });
    } else {
      scheduler.setGraph(undefined);
      if (announce) {
        const issues = r.error.issues.map((i) => ({
          message: i.message,
          file: i.loc.file,
          line: i.loc.line,
          col: i.loc.col,
        }));
        hub.emit("graph-changed", { valid: false, issues });
        hub.emit("graph-invalid", { issues });
      }
    }
  };
  const reload = async () => {
    const r = await graphs.reload();
    await apply(r, true);
    return r;
  };
  await apply(await graphs.reload(), false);

  const storeFile = sqlitePathOf(opts.storeUrl, dir);
  let watcher: DirWatcher | undefined;
  if (opts.watch !== false) {
    watcher = watchDir(
      dir,
      () => void reload(),
      opts.debounceMs ?? 100,
      (p) =>
        ignoredPath(dir, p) ||
        (storeFile !== undefined && p.startsWith(storeFile)),
    );
    await watcher.ready;
  }

  const ctx: ServerContext = {
    dir,
    graphs,
    store,
    hub,
    runs,
    secrets,
    lastStatus,
    webhooks,
    token,
    limits: {
      webhookMaxBytes: opts.limits?.webhookMaxBytes ?? 16 * 1024 * 1024,
      maxPageRows: opts.limits?.maxPageRows ?? 1000,
    },
    nextRuns: () => scheduler.nextRuns(),
  };
  const state = () => {
    const s: { graph?: Graph; error?: GraphError } = {};
    if (graphs.lastGood) s.graph = graphs.lastGood;
    if (graphs.error) s.error = graphs.error;
    return s;
  };
  const mount: UiMount | undefined = opts.ui === false
    ? undefined
    : opts.ui ?? ((app) =>
      mountUi(app, { state, onGraph: (fn) => graphListeners.push(fn) }));
  let uiHandle: { close(): void } | void = undefined;
  const app = createApp(
    ctx,
    mount && ((a) => {
      uiHandle = mount(a);
    }),
  );
  let closed: Promise<void> | undefined;
  return {
    app,
    dir,
    store,
    token,
    tokenGenerated: generated,
    state,
    reload,
    webhookToken: (table) =>
      token === undefined ? undefined : webhookToken(token, table),
    idle: async () => {
      await runs.idle();
      await webhooks.flush();
    },
    close: () =>
      closed ??= (async () => {
        scheduler.stop();
        await watcher?.close();
        uiHandle?.close();
        await runs.close();
        await webhooks.flush();
        hub.close();
        await store.close();
      })(),
  };
}
