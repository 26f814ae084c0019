/**
 * Validation of standard 5-field cron expressions
 * (`minute hour day-of-month month day-of-week`), as used by
 * `trigger:` in graph.yml.
 *
 * @module
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Accepted names (upper case) → value. */
  names?: Record<string, number>;
}

const MONTHS = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])),
  },
  {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: Object.fromEntries(DAYS.map((d, i) => [d, i])),
  },
];

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/**
 * Checks a cron expression. Returns `undefined` when it is valid, else a
 * human explanation of the first problem, e.g.
 * `field 2 (hour) value 25 is out of range 0-23`.
 *
 * Supports `*`, lists (`1,15`), ranges (`1-5`), steps (`*\/15`, `0-30/10`,
 * `5/10`) and month/day names (`JAN`, `mon-fri`, case-insensitive).
 * There is no seconds field.
 */
export function cronError(expr: string): string | undefined {
  if (typeof expr !== "string" || expr.trim() === "") {
    return "the cron expression is empty";
  }
  const text = expr.trim();
  const nick = NICKNAMES[text.toLowerCase()];
  if (nick !== undefined) {
    return `"${text}" is not supported: write the 5 fields instead ("${nick}")`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    const hint = parts.length === 6
      ? " (there is no seconds field: drop the first one)"
      : "";
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${hint}`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    const field = FIELDS[i] as CronField;
    const err = fieldError(parts[i] as string, field);
    if (err !== undefined) return `field ${i + 1} (${field.name}) ${err}`;
  }
  return undefined;
}

function fieldError(text: string, f: CronField): string | undefined {
  for (const item of text.split(",")) {
    if (item === "") return `has an empty list item in "${text}"`;
    const err = itemError(item, f);
    if (err !== undefined) return err;
  }
  return undefined;
}

function itemError(item: string, f: CronField): string | undefined {
  const slash = item.split("/");
  if (slash.length > 2) return `"${item}" has more than one "/"`;
  const [base = "", stepText] = slash;
  if (base !== "*") {
    const dash = base.split("-");
    if (dash.length > 2) return `"${item}" has more than one "-"`;
    const a = valueOf(dash[0] ?? "", f);
    if (typeof a === "string") return a;
    if (dash.length === 2) {
      const b = valueOf(dash[1] ?? "", f);
      if (typeof b === "string") return b;
      if (b < a) {
        return `range ${base} is backwards: write the smaller value first`;
      }
    }
  }
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) {
      return `step "${stepText}" in "${item}" is not a whole number`;
    }
    const step = Number(stepText);
    const span = f.max - f.min + 1;
    if (step < 1 || step > span) {
      return `step ${step} in "${item}" is out of range 1-${span}`;
    }
  }
  return undefined;
}

/** A number or name in field `f`, or an explanation of what is wrong with it. */
function valueOf(text: string, f: CronField): number | string {
  if (text === "") return "has an empty value";
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < f.min || n > f.max) {
      return `value ${n} is out of range ${f.min}-${f.max}`;
    }
    return n;
  }
  const named = f.names?.[text.toUpperCase()];
  if (named !== undefined) return named;
  if (/^\?$|^\d*[LW#]|[LW#]\d*$/.test(text)) {
    return `value "${text}" uses a non-standard cron feature: use numbers, *, lists, ranges and steps`;
  }
  if (f.names !== undefined) {
    const list = Object.keys(f.names).join(", ");
    return `value "${text}" is not a number ${f.min}-${f.max} or a name (${list})`;
  }
  return `value "${text}" is not a number ${f.min}-${f.max}`;
}
