import assert from "node:assert/strict";
import { cronError } from "./cron.ts";

Deno.test("cronError: accepts standard expressions", () => {
  for (
    const ok of [
      "* * * * *",
      "0 6 * * *",
      "*/15 * * * *",
      "0 0-23/2 * * *",
      "5/10 * * * *",
      "0 9 1,15 * *",
      "30 8 * JAN-MAR MON-FRI",
      "0 0 * dec sun",
      "0 0 * * 7",
      "59 23 31 12 6",
      "  0   6 * * *  ",
    ]
  ) {
    assert.equal(cronError(ok), undefined, ok);
  }
});

Deno.test("cronError: explains the first problem", () => {
  const cases: [string, string][] = [
    ["0 25 * * *", "field 2 (hour) value 25 is out of range 0-23"],
    ["60 * * * *", "field 1 (minute) value 60 is out of range 0-59"],
    ["0 0 0 * *", "field 3 (day-of-month) value 0 is out of range 1-31"],
    ["0 0 * 13 *", "field 4 (month) value 13 is out of range 1-12"],
    ["0 0 * * 8", "field 5 (day-of-week) value 8 is out of range 0-7"],
    [
      "0 0 * FOO *",
      'field 4 (month) value "FOO" is not a number 1-12 or a name',
    ],
    ["0 0 * * MON-FOO", 'field 5 (day-of-week) value "FOO"'],
    ["0 MON * * *", 'field 2 (hour) value "MON" is not a number 0-23'],
    ["0 5-2 * * *", "field 2 (hour) range 5-2 is backwards"],
    ["*/0 * * * *", 'field 1 (minute) step 0 in "*/0" is out of range 1-60'],
    ["*/x * * * *", 'step "x" in "*/x" is not a whole number'],
    ["1,,2 * * * *", "field 1 (minute) has an empty list item"],
    ["1-2-3 * * * *", 'has more than one "-"'],
    ["0 0 ? * *", "non-standard cron feature"],
    ["0 0 L * *", "non-standard cron feature"],
    ["0 0 * *", "expected 5 fields"],
    ["0 0 0 * * *", "there is no seconds field"],
    [
      "@daily",
      '"@daily" is not supported: write the 5 fields instead ("0 0 * * *")',
    ],
    ["", "empty"],
    ["   ", "empty"],
  ];
  for (const [expr, want] of cases) {
    const got = cronError(expr);
    assert.ok(
      got?.includes(want),
      `${JSON.stringify(expr)}: got ${got}, want …${want}…`,
    );
  }
});
