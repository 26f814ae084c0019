// Parses the inside of one `{{ … }}` tag: a bare name (`this`) or a call
// with Python-style arguments, `Parameter("limit", type="integer",
// default=10)`. Values are literals only: strings in single or double
// quotes, numbers, true/false (or True/False), null/None and lists.

/** A literal argument and where it starts (offset in the whole text). */
export interface TagArg {
  value: unknown;
  offset: number;
}

/** A parsed tag. */
export interface TagCall {
  name: string;
  /** Offset of the name in the whole text. */
  offset: number;
  /** False for a bare name such as `{{ this }}`. */
  call: boolean;
  args: TagArg[];
  kwargs: Map<string, TagArg>;
}

/** A syntax error inside a tag, at an offset of the whole text. */
export class TagSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/**
 * Parses the tag `text.slice(start, end)` (including its braces). Throws
 * {@link TagSyntaxError} on anything that is not a name or a literal call.
 */
export function parseTag(text: string, start: number, end: number): TagCall {
  const p = new TagParser(text, start + 2, end - 2);
  return p.tag();
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORDS = new Map<string, unknown>([
  ["true", true],
  ["True", true],
  ["false", false],
  ["False", false],
  ["null", null],
  ["None", null],
]);

class TagParser {
  pos: number;
  constructor(
    private readonly text: string,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  tag(): TagCall {
    this.ws();
    const offset = this.pos;
    const name = this.ident();
    if (name === undefined) {
      throw this.fail(
        this.pos >= this.end ? "empty tag" : `unexpected ${this.here()}`,
      );
    }
    const out: TagCall = {
      name,
      offset,
      call: false,
      args: [],
      kwargs: new Map(),
    };
    this.ws();
    if (this.peek() === "(") {
      out.call = true;
      this.pos++;
      this.args(out);
      this.ws();
    }
    if (this.pos < this.end) throw this.fail(`unexpected ${this.here()}`);
    return out;
  }

  private args(out: TagCall): void {
    while (true) {
      this.ws();
      if (this.peek() === ")") {
        this.pos++;
        return;
      }
      const at = this.pos;
      const key = this.ident();
      if (key !== undefined && !WORDS.has(key)) {
        this.ws();
        if (this.peek() !== "=" || this.text[this.pos + 1] === "=") {
          throw new TagSyntaxError(
            `expected a literal value or name=value, got ${key}`,
            at,
          );
        }
        this.pos++;
        this.ws();
        if (out.kwargs.has(key)) {
          throw new TagSyntaxError(`argument ${key} is given twice`, at);
        }
        out.kwargs.set(key, { offset: this.pos, value: this.value() });
      } else {
        this.pos = at;
        if (out.kwargs.size > 0) {
          throw this.fail("positional argument after name=value arguments");
        }
        out.args.push({ offset: at, value: this.value() });
      }
      this.ws();
      const c = this.peek();
      if (c === ",") this.pos++;
      else if (c !== ")") {
        throw this.fail(`expected , or ) but got ${this.here()}`);
      }
    }
  }

  private value(): unknown {
    this.ws();
    const c = this.peek();
    if (c === '"' || c === "'") return this.string(c);
    if (c === "[") return this.list();
    NUMBER.lastIndex = this.pos;
    const num = NUMBER.exec(this.text);
    if (num && this.pos + num[0].length <= this.end) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    const at = this.pos;
    const word = this.ident();
    if (word !== undefined && WORDS.has(word)) return WORDS.get(word);
    this.pos = at;
    throw this.fail(
      `expected a literal (string, number, true/false or [list]) but got ${this.here()}`,
    );
  }

  private list(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    while (true) {
      this.ws();
      if (this.peek() === "]") {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.ws();
      const c = this.peek();
      if (c === ",") this.pos++;
      else if (c !== "]") {
        throw this.fail(`expected , or ] but got ${this.here()}`);
      }
    }
  }

  private string(q: string): string {
    const start = this.pos;
    let out = "";
    this.pos++;
    while (this.pos < this.end && this.text[this.pos] !== q) {
      const c = this.text[this.pos]!;
      if (c === "\\") {
        const n = this.text[this.pos + 1] ?? "";
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    if (this.pos >= this.end) {
      throw new TagSyntaxError("unterminated string", start);
    }
    this.pos++;
    return out;
  }

  private ident(): string | undefined {
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (!m || this.pos + m[0].length > this.end) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private ws(): void {
    while (this.pos < this.end && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    return this.pos < this.end ? this.text[this.pos] : undefined;
  }

  private here(): string {
    if (this.pos >= this.end) return "the end of the tag";
    const m = /^(\S{1,20})/.exec(this.text.slice(this.pos, this.end));
    return `"${m?.[1] ?? this.text[this.pos]}"`;
  }

  private fail(message: string): TagSyntaxError {
    return new TagSyntaxError(message, this.pos);
  }
}
