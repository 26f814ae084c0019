import assert from "node:assert/strict";
import { toJson } from "./_json.ts";

Deno.test("toJson: dates, bytes and big integers as text", () => {
  assert.equal(
    toJson({ d: new Date(0), b: new Uint8Array([104, 105]), n: 2n ** 70n }),
    '{"d":"1970-01-01T00:00:00.000Z","b":"aGk=","n":"1180591620717411303424"}',
  );
});

Deno.test("toJson: a value nested too deep to serialize is shown cut short, not a failure", () => {
  let inner: unknown[] = [];
  const rows = [{ id: 1, record: { a: inner } }];
  for (let i = 0; i < 20_000; i++) {
    const next: unknown[] = [];
    inner.push(next);
    inner = next;
  }
  const text = toJson({ rows, n: 10n });
  const back = JSON.parse(text);
  assert.equal(back.rows[0].id, 1);
  assert.equal(back.n, "10");
  assert.match(text, /\[nested deeper than 64 levels: not shown\]/);
});
