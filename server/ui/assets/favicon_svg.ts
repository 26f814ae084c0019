/**
 * The dashboard's icon: three boxes joined like a small graph.
 *
 * @module
 */

/** `/ui/favicon.svg`. */
export const FAVICON_SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2459d6"/><path d="M9 11h6v10h8" fill="none" stroke="#fff" stroke-width="2.4"/><rect x="4" y="7" width="9" height="8" rx="2" fill="#fff"/><rect x="19" y="17" width="9" height="8" rx="2" fill="#9fe0b9"/></svg>`;
