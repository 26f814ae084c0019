// A tiny parser for JavaScript literal values (objects, arrays, strings,
// numbers, booleans, null), used to read parameter declarations from node
// source without executing it.

/** Parses the literal at the start of `src`; `undefined` when it is not a plain literal. */
export function parseLiteral(
  src: string,
): { value: unknown; end: number } | undefined {
  const p = new LiteralParser(src);
  try {
    const value = p.value();
    return { value, end: p.pos };
  } catch {
    return undefined;
  }
}

class LiteralParser {
  pos = 0;
  constructor(private readonly src: string) {}

  value(): unknown {
    this.ws();
    const c = this.src[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"' || c === "'" || c === "`") return this.string();
    const rest = this.src.slice(this.pos);
    const num = /^[+-]?(\d[\d_]*(\.\d+)?([eE][+-]?\d+)?|\.\d+)/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return Number(num[0].replaceAll("_", ""));
    }
    for (
      const [word, v] of [["true", true], ["false", false], ["null", null]]
    ) {
      if (
        rest.startsWith(word as string) &&
        !/[\w$]/.test(rest[(word as string).length] ?? "")
      ) {
        this.pos += (word as string).length;
        return v;
      }
    }
    throw new Error("not a literal");
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    while (true) {
      this.ws();
      if (this.src[this.pos] === "}") {
        this.pos++;
        return out;
      }
      let key: string;
      const c = this.src[this.pos];
      if (c === '"' || c === "'") key = this.string();
      else {
        const m = /^[A-Za-z_$][\w$]*/.exec(this.src.slice(this.pos));
        if (!m) throw new Error("bad key");
        key = m[0];
        this.pos += key.length;
      }
      this.ws();
      if (this.src[this.pos] !== ":") throw new Error("expected :");
      this.pos++;
      out[key] = this.value();
      this.ws();
      if (this.src[this.pos] === ",") this.pos++;
      else if (this.src[this.pos] !== "}") throw new Error("expected , or }");
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    while (true) {
      this.ws();
      if (this.src[this.pos] === "]") {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.src[this.pos] === ",") this.pos++;
      else if (this.src[this.pos] !== "]") throw new Error("expected , or ]");
    }
  }

  private string(): string {
    const q = this.src[this.pos];
    let out = "";
    this.pos++;
    while (this.pos < this.src.length && this.src[this.pos] !== q) {
      const c = this.src[this.pos]!;
      if (q === "`" && c === "$" && this.src[this.pos + 1] === "{") {
        throw new Error("template with substitution");
      }
      if (c === "\\") {
        const n = this.src[this.pos + 1] ?? "";
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    if (this.src[this.pos] !== q) throw new Error("unterminated string");
    this.pos++;
    return out;
  }

  private ws(): void {
    while (this.pos < this.src.length) {
      const rest = this.src.slice(this.pos);
      const m = /^(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
      if (!m) return;
      this.pos += m[0].length;
    }
  }
}
