// Token rules of the dev server: none on loopback, required elsewhere;
// Bearer for the API, a cookie for the dashboard, one token per webhook.

import assert from "node:assert/strict";
import {
  createServer,
  isLoopback,
  resolveToken,
  type RunnelServer,
  webhookToken,
} from "../server/mod.ts";
import { makeApp } from "./_helpers.ts";

const GRAPH = `title: Hooks
functions:
  - webhook: events
  - webhook: orders
`;

async function status(
  s: RunnelServer,
  path: string,
  init?: RequestInit,
): Promise<number> {
  const res = await s.app.request(path, init);
  await res.body?.cancel();
  return res.status;
}

function hook(token?: string, header?: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...header },
    body: token === undefined ? '{"a":1}' : '{"a":1}',
  };
}

Deno.test("auth: loopback needs no token; any other host gets one", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert.ok(isLoopback(h), h);
    assert.deepEqual(resolveToken(h, undefined), { generated: false });
  }
  for (const h of ["0.0.0.0", "192.168.1.5", "::", "example.com"]) {
    assert.ok(!isLoopback(h), h);
    const r = resolveToken(h, undefined);
    assert.equal(r.generated, true);
    assert.match(r.token!, /^[A-Za-z0-9_-]{43}$/);
  }
  assert.deepEqual(resolveToken("0.0.0.0", "given"), {
    token: "given",
    generated: false,
  });
  assert.deepEqual(resolveToken("127.0.0.1", "given"), {
    token: "given",
    generated: false,
  });
  // Webhook tokens: per table, derived from the server token, stable.
  assert.equal(webhookToken("t", "events"), webhookToken("t", "events"));
  assert.notEqual(webhookToken("t", "events"), webhookToken("t", "orders"));
  assert.notEqual(webhookToken("t", "events"), webhookToken("u", "events"));
});

Deno.test("auth: without a token on loopback everything answers", async () => {
  const s = await createServer({
    appDir: await makeApp({ "graph.yml": GRAPH }),
    watch: false,
  });
  try {
    assert.equal(s.token, undefined);
    assert.equal(await status(s, "/api/graph"), 200);
    assert.equal(await status(s, "/webhooks/events", hook()), 200);
    assert.equal(s.webhookToken("events"), undefined);
  } finally {
    await s.close();
  }
});

Deno.test("auth: a non-loopback server requires its token everywhere", async () => {
  const s = await createServer({
    appDir: await makeApp({ "graph.yml": GRAPH }),
    watch: false,
    host: "0.0.0.0",
  });
  try {
    assert.equal(s.tokenGenerated, true);
    const token = s.token!;
    // API: Bearer only.
    const missing = await s.app.request("/api/graph");
    assert.equal(missing.status, 401);
    assert.match((await missing.json()).error, /Authorization: Bearer/);
    assert.equal(
      await status(s, "/api/graph", {
        headers: { authorization: "Bearer wrong" },
      }),
      401,
    );
    assert.equal(await status(s, `/api/graph?token=${token}`), 401);
    const ok = { authorization: `Bearer ${token}` };
    assert.equal(await status(s, "/api/graph", { headers: ok }), 200);
    assert.equal(await status(s, "/api/events", { headers: ok }), 200);
    // Any Host is fine once a token guards the server.
    assert.equal(
      await status(s, "/api/tables", {
        headers: { ...ok, host: "myhost.lan:7878" },
      }),
      200,
    );
    assert.equal(
      await status(s, "/api/runs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
      401,
    );

    // Dashboard pages: ?token= once sets a cookie that later calls use.
    assert.equal(await status(s, "/"), 401);
    const page = await s.app.request(`/?token=${encodeURIComponent(token)}`);
    assert.equal(page.status, 200);
    await page.body?.cancel();
    const cookie = page.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^runnel_token=.*HttpOnly; SameSite=Strict/);
    assert.equal(
      await status(s, "/api/graph", {
        headers: { cookie: cookie.split(";")[0]! },
      }),
      200,
    );
    assert.equal(
      await status(s, "/api/graph", { headers: { cookie: "runnel_token=x" } }),
      401,
    );

    // Webhooks: each needs its own token.
    const events = s.webhookToken("events")!;
    assert.equal(events, webhookToken(token, "events"));
    const noToken = await s.app.request("/webhooks/events", hook());
    assert.equal(noToken.status, 401);
    assert.match((await noToken.json()).error, /needs its token/);
    assert.equal(
      await status(s, `/webhooks/events?token=${token}`, hook()),
      401,
      "the server token is not a webhook token",
    );
    assert.equal(
      await status(
        s,
        `/webhooks/events?token=${s.webhookToken("orders")}`,
        hook(),
      ),
      401,
      "another webhook's token",
    );
    assert.equal(
      await status(s, "/webhooks/events", hook(undefined, ok)),
      401,
      "the server token as Bearer",
    );
    assert.equal(
      await status(s, `/webhooks/events?token=${events}`, hook()),
      200,
    );
    assert.equal(
      await status(
        s,
        "/webhooks/events",
        hook(undefined, { "x-runnel-token": events }),
      ),
      200,
    );
    assert.equal(
      await status(
        s,
        "/webhooks/events",
        hook(undefined, { authorization: `Bearer ${events}` }),
      ),
      200,
    );
    assert.equal((await s.store.describeTable("events"))?.rowCount, 3);
    // Unknown webhooks look like known ones without the right token.
    assert.equal(await status(s, "/webhooks/nope?token=x", hook()), 401);
  } finally {
    await s.close();
  }
});

Deno.test("auth: a token given on loopback is enforced too", async () => {
  const s = await createServer({
    appDir: await makeApp({ "graph.yml": GRAPH }),
    watch: false,
    token: "s3cret-token",
  });
  try {
    assert.equal(s.tokenGenerated, false);
    assert.equal(await status(s, "/api/graph"), 401);
    assert.equal(
      await status(s, "/api/graph", {
        headers: { authorization: "Bearer s3cret-token" },
      }),
      200,
    );
  } finally {
    await s.close();
  }
});
