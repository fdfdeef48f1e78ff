#!/usr/bin/env node
// Entry point of the `cloudsiem` binary: runs the bundle `npm ci` built (scripts/build.mjs) while
// it is newer than every source file, otherwise loads the TypeScript sources through tsx (so an
// edit takes effect at once during development). `cloudsiem agent` loads the agent's own bundle,
// which runs the agent with the heap limits of deploy/cloudsiem-agent.service (agent-main.ts).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '../../..');
const argv = process.argv.slice(2);
const isAgent = argv[0] === 'agent';
const bundle = join(root, isAgent ? 'dist/agent/cloudsiem-agent.mjs' : 'dist/cloudsiem.mjs');

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

let run;
if (bundleIsFresh()) {
  const loaded = await import(pathToFileURL(bundle).href);
  run = isAgent ? () => loaded.agentMain(argv.slice(1)) : () => loaded.main(argv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  if (isAgent) {
    const { agentMain } = await import('../src/agent-main.ts');
    run = () => agentMain(argv.slice(1));
  } else {
    const { main } = await import('../src/main.ts');
    run = () => main(argv);
  }
}
process.exitCode = await run();
