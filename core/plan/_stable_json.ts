/**
 * Stable JSON for cache keys: object keys sorted, so equal values give
 * equal text whatever order their keys were written in. The text is part of
 * every stored cache key, so it must never change: it is exactly what
 * `JSON.stringify` gives with a replacer that rebuilds each object from its
 * sorted keys (`_stable_json_test.ts` holds that definition and checks this
 * one against it). Written out by hand because the replacer form allocates
 * a copy of every object, and the planner hashes thousands of them.
 *
 * @module
 */

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/** Whether `k` is an array index, which objects list first, in numeric order. */
function isIndex(k: string): boolean {
  return INDEX.test(k) && Number(k) < 4294967295;
}

/** Keys in the order an object built from them sorted would list them. */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o).sort();
  if (keys.length === 0 || !isIndex(keys[0]!) && !keys.some(isIndex)) {
    return keys;
  }
  const idx = keys.filter(isIndex).sort((a, b) => Number(a) - Number(b));
  return [...idx, ...keys.filter((k) => !isIndex(k))];
}

/** Text of `v` under `key`, or undefined where JSON leaves it out. */
function write(v: unknown, key: string): string | undefined {
  if (v !== null && typeof v === "object" || typeof v === "bigint") {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") v = toJSON.call(v, key);
  }
  switch (typeof v) {
    case "string":
    case "number":
    case "boolean":
      return JSON.stringify(v);
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    case "bigint":
      return JSON.stringify(v); // throws as JSON.stringify does
  }
  if (v === null) return "null";
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length; i++) {
      parts.push(write(v[i], String(i)) ?? "null");
    }
    return `[${parts.join(",")}]`;
  }
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of sortedKeys(o)) {
    const s = write(o[k], k);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
  }
  return `{${parts.join(",")}}`;
}

/** Stable JSON: object keys sorted, Dates as ISO strings. */
export function stableJson(v: unknown): string {
  return write(v, "") as string;
}
