/**
 * Node only: the installed @scalar/api-reference bundle as the docs page's local script source
 * (src/http/docs-page.ts). The package is a devDependency: present in development (`npm ci`), absent
 * from a production install (`npm ci --omit=dev`), where the page loads the same pinned bytes from the CDN.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SCALAR_FILE, type ScalarBundleSource } from '../http/docs-page.js';

/** The bundle's path, or null when the package is not installed. */
export function scalarBundlePath(): string | null {
  try {
    // The package's exports do not list package.json: go from its main entry (dist/index.js) up.
    const main = createRequire(import.meta.url).resolve('@scalar/api-reference');
    return join(dirname(main), '..', SCALAR_FILE);
  } catch {
    return null;
  }
}

export const installedScalarBundle: ScalarBundleSource = async () => {
  const path = scalarBundlePath();
  if (!path) return null;
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    return null;
  }
};
