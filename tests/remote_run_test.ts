// Runnel runs with `deno run <url>`: the repository is served over local
// HTTP and a real subprocess runs the leads example from that URL, so the
// worker entry, its imports and the npm dependencies all load remotely, as
// does a node's sandbox process (a function with `memory:`).

import assert from "node:assert/strict";
import { extname, join } from "node:path";
import { fromFileUrl } from "../core/path.ts";

const REPO = fromFileUrl(new URL("..", import.meta.url));
const TYPES: Record<string, string> = {
  ".ts": "application/typescript",
  ".json": "application/json",
};

Deno.test("runnel runs from an HTTP URL", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = join(REPO, decodeURIComponent(new URL(req.url).pathname));
      if (!path.startsWith(REPO)) return new Response("no", { status: 403 });
      try {
        const body = await Deno.readFile(path);
        return new Response(body, {
          headers: { "content-type": TYPES[extname(path)] ?? "text/plain" },
        });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  try {
    const origin = `http://127.0.0.1:${server.addr.port}`;
    const app = await Deno.makeTempDir({ prefix: "runnel_remote_" });
    for (
      const f of [
        "graph.yml",
        "ingest_leads.ts",
        "score_leads.ts",
        "scoring.ts",
        "README.md",
      ]
    ) {
      await Deno.copyFile(join(REPO, "examples", "leads", f), join(app, f));
    }
    // Score Leads with a heap limit: its sandbox process loads remotely too.
    const graph = await Deno.readTextFile(join(app, "graph.yml"));
    await Deno.writeTextFile(
      join(app, "graph.yml"),
      graph.replace(
        "    timeout: 1m\n",
        "    timeout: 1m\n    memory: 256MB\n",
      ),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--unstable-worker-options",
        `--reload=${origin}`,
        `${origin}/main.ts`,
        "run",
        "--app",
        app,
        "--json",
      ],
      cwd: app,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(result.status, "succeeded");
    assert.deepEqual(
      result.nodes.map((n: { rowsWritten: number }) => n.rowsWritten),
      [3, 3],
    );
  } finally {
    await server.shutdown();
  }
});
