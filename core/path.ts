// Small path helpers that node:path lacks (file URLs, containment checks).

import { isAbsolute as nodeIsAbsolute, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Converts a `file:` URL to an absolute path. */
export function fromFileUrl(url: string | URL): string {
  return fileURLToPath(url);
}

/** Converts an absolute path to a `file:` URL string. */
export function toFileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/** Whether `path` is absolute. */
export function isAbsolute(path: string): boolean {
  return nodeIsAbsolute(path);
}

/** Whether `child` is `parent` itself or lies inside it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" ||
    (!rel.startsWith("..") && !nodeIsAbsolute(rel) &&
      rel.split(sep)[0] !== "..");
}
