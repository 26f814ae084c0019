import assert from "node:assert/strict";
import { EventHub, formatSse } from "./_events.ts";

async function readText(
  stream: ReadableStream<Uint8Array>,
  until: string,
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes(until)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return text;
}

Deno.test("EventHub: streams events; Last-Event-ID replays what was missed", async () => {
  const hub = new EventHub(3);
  hub.emit("a", { n: 1 });
  hub.emit("b", { n: 2 });
  hub.emit("c", { n: 3 });
  hub.emit("d", { n: 4 }); // the ring keeps 3
  assert.deepEqual(hub.since(0).map((e) => e.type), ["b", "c", "d"]);
  const replay = await readText(hub.stream(2), "event: d");
  assert.ok(!replay.includes("event: b"));
  assert.match(replay, /id: 3\nevent: c\ndata: \{"n":3\}\n\n/);

  const live = hub.stream();
  setTimeout(() => hub.emit("e", { text: "line1\nline2" }), 10);
  const text = await readText(live, "event: e");
  assert.match(text, /event: e\ndata: \{"text":"line1\\nline2"\}/);
  assert.equal(hub.streamCount, 0, "a cancelled stream unsubscribes");
  assert.equal(
    formatSse({ id: 7, type: "x", data: {} }),
    "id: 7\nevent: x\ndata: {}\n\n",
  );
});

Deno.test("EventHub: close ends open streams", async () => {
  const hub = new EventHub();
  const reader = hub.stream().getReader();
  await reader.read(); // the hello comment
  assert.equal(hub.streamCount, 1);
  hub.close();
  assert.deepEqual(await reader.read(), { done: true, value: undefined });
  assert.equal(hub.streamCount, 0);
  hub.emit("ignored", {});
});
