// The realm guard of a warm worker: it decides whether the worker may take
// another node after this one. A node leaves its worker "clean" when it left
// nothing behind that could run or watch during the next node: no pending
// timer or interval, no listener or handler on the worker's global scope,
// no global or built-in prototype added, replaced or removed, and no
// permission it was denied. Everything here is captured when the worker
// starts, before any node code runs, and uses no method a node could
// replace (no Array/Map/Set prototype calls).

// deno-lint-ignore-file no-explicit-any

const ownKeys = Reflect.ownKeys;
const getDesc = Object.getOwnPropertyDescriptor;
const getProto = Object.getPrototypeOf;
const defineProp = Object.defineProperty;
const apply = Reflect.apply;
const is = Object.is;

/** Handler properties of the worker's global scope a node could set. */
const HANDLERS = [
  "onmessage",
  "onmessageerror",
  "onerror",
  "onunhandledrejection",
  "onrejectionhandled",
  "onload",
  "onunload",
  "onbeforeunload",
] as const;

/** What a worker checks after each node and before the next. */
export interface RealmGuard {
  /** Starts watching one node run (resets the per-node counts). */
  begin(): void;
  /**
   * Why the worker must not take another node, or undefined when it may.
   * `thorough` also compares every global and built-in with how they were
   * before the first node (about 0.3 ms): the worker does that before it
   * takes the next node, which covers both the last node's run and the
   * time the worker idled since.
   */
  problem(thorough: boolean): string | undefined;
  /** Marks the worker as unfit for reuse (an error outside any node, say). */
  taint(why: string): void;
}

/**
 * The realm as it was: for each object watched (the global scope and its
 * prototypes, every global constructor and its prototype, a few namespaces),
 * its prototype, its number of own keys and, by key, its property's value,
 * getter, setter and writability. Key order is not part of it: Deno itself
 * may delete and define a global again.
 */
interface Print {
  objs: object[];
  protos: unknown[];
  counts: number[];
  /** Per object: key → index of its four entries in `vals`. */
  index: Record<PropertyKey, number>[];
  vals: unknown[];
}

const NAMESPACES = ["Deno", "JSON", "Math", "Reflect", "console", "Intl"];

function takePrint(scope: any): Print {
  const objs: object[] = [];
  let n = 0;
  const add = (o: unknown) => {
    if ((typeof o === "object" || typeof o === "function") && o !== null) {
      objs[n++] = o;
    }
  };
  for (let p = scope; p !== null; p = getProto(p)) add(p);
  const keys = ownKeys(scope);
  for (let k = 0; k < keys.length; k++) {
    const v = getDesc(scope, keys[k]!)?.value;
    if (typeof v === "function" && typeof v.prototype === "object") {
      add(v);
      add(v.prototype);
    }
  }
  for (let k = 0; k < NAMESPACES.length; k++) add(scope[NAMESPACES[k]!]);
  add(Object.prototype);
  add(Function.prototype);
  const print: Print = { objs, protos: [], counts: [], index: [], vals: [] };
  let v = 0;
  for (let o = 0; o < objs.length; o++) {
    const obj = objs[o]!;
    const ks = ownKeys(obj);
    const index: Record<PropertyKey, number> = Object.create(null);
    print.protos[o] = getProto(obj);
    print.counts[o] = ks.length;
    print.index[o] = index;
    for (let k = 0; k < ks.length; k++) {
      const d = getDesc(obj, ks[k]!)!;
      index[ks[k]!] = v;
      print.vals[v++] = d.value;
      print.vals[v++] = d.get;
      print.vals[v++] = d.set;
      print.vals[v++] = d.writable;
    }
  }
  return print;
}

/** Whether every watched object is as `print` recorded it. */
function unchanged(print: Print): boolean {
  const { objs, vals } = print;
  for (let o = 0; o < objs.length; o++) {
    const obj = objs[o]!;
    if (getProto(obj) !== print.protos[o]) return false;
    const ks = ownKeys(obj);
    if (ks.length !== print.counts[o]) return false;
    const index = print.index[o]!;
    for (let k = 0; k < ks.length; k++) {
      const i = index[ks[k]!];
      if (i === undefined) return false;
      const d = getDesc(obj, ks[k]!)!;
      if (
        !is(d.value, vals[i]) || d.get !== vals[i + 1] ||
        d.set !== vals[i + 2] || d.writable !== vals[i + 3]
      ) return false;
    }
  }
  return true;
}

/**
 * Installs the guard on the worker's global scope. Call it once, at load,
 * after the worker has installed its own globals and before any node code.
 * The timer functions are wrapped so pending ones can be counted, and a
 * permission denial is noticed even when the node catches it.
 */
export function installGuard(scope: any): RealmGuard {
  // Pending timers and intervals, by id (a plain object: no Map methods).
  const pending: Record<number, true> = Object.create(null);
  let pendingCount = 0;
  const track = (id: number) => {
    if (pending[id] !== true) {
      pending[id] = true;
      pendingCount++;
    }
  };
  const untrack = (id: unknown) => {
    if (typeof id === "number" && pending[id] === true) {
      delete pending[id];
      pendingCount--;
    }
  };
  const setT = scope.setTimeout, clearT = scope.clearTimeout;
  const setI = scope.setInterval, clearI = scope.clearInterval;
  scope.setTimeout = function (fn: unknown, ms?: number, ...args: unknown[]) {
    const id: number = apply(setT, scope, [
      typeof fn === "function"
        ? (...a: unknown[]) => {
          untrack(id);
          return apply(fn, undefined, a);
        }
        : fn,
      ms,
      ...args,
    ]);
    track(id);
    return id;
  };
  scope.setInterval = function (...a: unknown[]) {
    const id: number = apply(setI, scope, a);
    track(id);
    return id;
  };
  scope.clearTimeout = (id?: number) => {
    untrack(id);
    apply(clearT, scope, [id]);
  };
  scope.clearInterval = (id?: number) => {
    untrack(id);
    apply(clearI, scope, [id]);
  };

  // Listeners a node adds to the worker's global scope.
  let listeners = 0;
  const add = scope.addEventListener, remove = scope.removeEventListener;
  scope.addEventListener = function (...a: unknown[]) {
    listeners++;
    return apply(add, scope, a);
  };
  scope.removeEventListener = function (...a: unknown[]) {
    return apply(remove, scope, a);
  };

  // A denied permission throws Deno.errors.NotCapable, whose constructor
  // sets `name`: an accessor on its prototype sees every one, caught or not.
  let denials = 0;
  const notCapable = (globalThis as any).Deno?.errors?.NotCapable?.prototype;
  if (notCapable) {
    defineProp(notCapable, "name", {
      configurable: false,
      get: () => "NotCapable",
      set(this: object, v: unknown) {
        denials++;
        defineProp(this, "name", { value: v, writable: true });
      },
    });
  }

  const baseline = takePrint(scope);
  let tainted: string | undefined;
  return {
    begin() {
      denials = 0;
      listeners = 0;
    },
    problem(thorough: boolean) {
      if (tainted !== undefined) return tainted;
      if (pendingCount > 0) {
        return `it left ${pendingCount} timer(s) or interval(s) pending`;
      }
      if (listeners > 0) return "it added listeners to the worker's scope";
      for (let h = 0; h < HANDLERS.length; h++) {
        if (scope[HANDLERS[h]!] != null) {
          return `it set self.${HANDLERS[h]}`;
        }
      }
      if (denials > 0) return "it was denied a permission";
      if (thorough && !unchanged(baseline)) {
        return "it changed a global or a built-in prototype";
      }
      return undefined;
    },
    taint(why: string) {
      tainted ??= why;
    },
  };
}
