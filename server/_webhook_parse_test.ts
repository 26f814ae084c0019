import assert from "node:assert/strict";
import { mediaType, parseWebhookBody } from "./_webhook_parse.ts";

Deno.test("parseWebhookBody: formats by content type or by sniffing", () => {
  const ok = (text: string, type?: string) => {
    const r = parseWebhookBody(text, type);
    assert.ok(r.ok, JSON.stringify(r));
    return r.records;
  };
  assert.deepEqual(ok('{"a":1}', "application/json"), [{ a: 1 }]);
  assert.deepEqual(ok('{"a":1}', "application/json; charset=utf-8"), [{
    a: 1,
  }]);
  assert.deepEqual(ok('{"a":1}', "application/cloudevents+json"), [{ a: 1 }]);
  assert.deepEqual(ok('[{"a":1},{"b":2}]', "text/plain"), [{ a: 1 }, { b: 2 }]);
  assert.deepEqual(ok('{"a":1}\r\n{"b":2}\r\n', "application/x-ndjson"), [
    { a: 1 },
    { b: 2 },
  ]);
  // JSON Lines sent as application/json, or with no type at all.
  assert.deepEqual(ok('{"a":1}\n{"b":2}', "application/json"), [{ a: 1 }, {
    b: 2,
  }]);
  assert.deepEqual(ok('{"a":1}\n{"b":2}'), [{ a: 1 }, { b: 2 }]);
  // One object per line, even a single line.
  assert.deepEqual(ok('{"a":1}', "application/jsonl"), [{ a: 1 }]);
  assert.equal(mediaType(" Application/JSON ; x=y"), "application/json");
});

Deno.test("parseWebhookBody: refusals say what is wrong", () => {
  const bad = (
    text: string,
    type: string | undefined,
    re: RegExp,
    status = 400,
  ) => {
    const r = parseWebhookBody(text, type);
    assert.ok(!r.ok);
    assert.equal(r.status, status);
    assert.match(r.error, re);
  };
  bad("   ", "application/json", /empty/);
  bad("true", "application/json", /body is a boolean/);
  bad("[1]", undefined, /Item 1 of the array is a number/);
  bad('{"a":1}\n[1]', "application/x-ndjson", /Line 2 is an array/);
  bad('{"a":1}', "multipart/form-data; boundary=x", /not accepted/, 415);
  bad('{"a":', "application/json", /not valid JSON/);
});
