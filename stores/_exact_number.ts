/**
 * The numbers SQL results hand to nodes. Private to `stores/`.
 *
 * @module
 */

/**
 * A numeric result's text as a number when a number holds it exactly
 * (`"2"` → 2, `"0.5"` → 0.5), else the text itself (`"0.50"`, 30 digits),
 * so nothing is rounded on the way.
 */
export function exactNumber(text: string): number | string {
  const n = Number(text);
  if (String(n) === text) return n;
  if (/^-?\d+$/.test(text) && Number.isSafeInteger(n)) return n;
  return text;
}
