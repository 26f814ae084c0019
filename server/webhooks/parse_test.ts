import assert from "node:assert/strict";
import { decodeBody, mediaType, parseWebhookBody } from "./parse.ts";

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

Deno.test("decodeBody: UTF-8 is decoded; anything else is refused with the byte, never replaced", () => {
  const enc = new TextEncoder();
  assert.deepEqual(decodeBody(enc.encode('{"a":"é€😀"}')), {
    text: '{"a":"é€😀"}',
  });
  const cases: [number[], number][] = [
    [[0x7b, 0xff, 0x7d], 2], // never valid
    [[0x41, 0xc3], 2], // cut short
    [[0xc0, 0xaf], 1], // overlong "/"
    [[0xed, 0xa0, 0x80], 1], // an encoded surrogate
    [[0xf4, 0x90, 0x80, 0x80], 1], // past U+10FFFF
    [[0x41, 0xe2, 0x28, 0xa1], 2], // bad continuation
  ];
  for (const [bytes, at] of cases) {
    const r = decodeBody(new Uint8Array(bytes));
    assert.ok("error" in r, JSON.stringify(bytes));
    assert.match(
      r.error,
      new RegExp(
        `^The body is not valid UTF-8 \\(byte ${at} of ${bytes.length}, 0x`,
      ),
    );
  }
});

Deno.test("parseWebhookBody: JSON neither store can keep as it is is refused", () => {
  const refused = (text: string, re: RegExp) => {
    const r = parseWebhookBody(text, "application/json");
    assert.equal(r.ok, false, text.slice(0, 40));
    if (!r.ok) {
      assert.equal(r.status, 400);
      assert.match(r.error, re);
      assert.match(r.error, /nothing was written$/);
    }
  };
  refused(
    `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`,
    /^The record is not accepted: it nests deeper than 64 levels/,
  );
  refused(
    '{"n":1e400}',
    /it holds the number Infinity, which JSON cannot represent \(a literal such as 1e400 is out of range\)/,
  );
  refused(
    '[{"ok":1},{"s":"\\ud800"}]',
    /^Record 2 is not accepted: it holds a string with a lone surrogate/,
  );
  refused('{"\\udc00":1}', /it holds a key with a lone surrogate/);
  // At the limit is fine.
  const deep = `{"a":${"[".repeat(63)}${"]".repeat(63)}}`;
  assert.equal(parseWebhookBody(deep, "application/json").ok, true);
});
