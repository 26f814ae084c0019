import assert from "node:assert/strict";
import { StoreError } from "../../core/errors.ts";
import { parsePgUrl, redactUrl, schemaForSlug } from "./_url.ts";

Deno.test("parsePgUrl: parts, defaults, schema from the app or ?schema=", () => {
  const t = parsePgUrl(
    "postgres://me:s%40cret@db.example.com:6543/analytics?sslmode=require",
    "runnel_leads",
  );
  assert.equal(t.host, "db.example.com");
  assert.equal(t.port, 6543);
  assert.equal(t.user, "me");
  assert.equal(t.password, "s@cret");
  assert.equal(t.database, "analytics");
  assert.equal(t.schema, "runnel_leads");
  assert.equal(t.ssl, "require");
  assert.equal(
    t.location,
    "postgres://me@db.example.com:6543/analytics?schema=runnel_leads",
  );
  const o = parsePgUrl("postgresql://me@h/db?schema=other", "runnel_x");
  assert.equal(o.schema, "other");
  assert.equal(o.port, 5432);
});

Deno.test("parsePgUrl: one-line errors name the problem and never the password", () => {
  const cases: [string, RegExp][] = [
    ["postgres://me:pw@h/db", /\?schema=/],
    ["postgres://me:pw@h:99999/db?schema=s", /port "99999"/],
    ["postgres://me:pw@h/db?schema=1bad", /schema "1bad"/],
    ["postgres://me:pw@h/db?schema=pg_x", /reserved/],
    ["postgres://me:pw@h/db?schema=s&color=red", /unknown parameter "color"/],
    ["postgres://me:pw@h/db?schema=s&sslmode=maybe", /sslmode "maybe"/],
    ["postgres://me:p%zzw@h/db?schema=s", /%-escape/],
  ];
  for (const [url, re] of cases) {
    assert.throws(() => parsePgUrl(url), (err: Error) => {
      assert.ok(err instanceof StoreError, url);
      assert.match(err.message, re);
      assert.doesNotMatch(err.message, /pw|p%zzw/);
      assert.equal(err.message.split("\n").length, 1);
      return true;
    });
  }
});

Deno.test("redactUrl hides the password, even one holding @ or /", () => {
  assert.equal(redactUrl("postgres://u:pw@h/db"), "postgres://u:***@h/db");
  assert.equal(redactUrl("postgres://u:p@w/x@h/db"), "postgres://u:***@h/db");
  assert.equal(redactUrl("postgres://u@h/db"), "postgres://u@h/db");
  assert.equal(redactUrl("sqlite:x.db"), "sqlite:x.db");
});

Deno.test("schemaForSlug: runnel_<slug>, a plain identifier", () => {
  assert.equal(schemaForSlug("leads-scoring"), "runnel_leads_scoring");
  assert.equal(schemaForSlug("x".repeat(80)).length, 63);
});
