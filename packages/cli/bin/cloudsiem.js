#!/usr/bin/env node
// Entry point of the `cloudsiem` binary: runs the bundle `npm ci` built (scripts/build.mjs) while
// it is newer than every source file, otherwise loads the TypeScript sources through tsx (so an
// edit takes effect at once during development).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '../../..');
const bundle = join(root, 'dist/cloudsiem.mjs');

/** The newest modification time of the .ts files under the packages' src folders. */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'))) {
    try {
      walk(join(root, 'packages', pkg, 'src'));
    } catch {
      // a package without src
    }
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.CLOUDSIEM_NO_BUNDLE === '1') return false;
  try {
    return statSync(bundle).mtimeMs > newestSource();
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
