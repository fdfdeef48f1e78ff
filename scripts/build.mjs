// Builds what runs (run by `npm ci` through `prepare`, and by `npm run build`):
// - the CLI into dist/cloudsiem.mjs (esbuild), so the installed binary starts without compiling
//   TypeScript at run time. The native database drivers stay external.
// - the agent alone into dist/agent/ (cloudsiem-agent.mjs and the chunk it loads): `cloudsiem agent`
//   loads only this (no portal, kysely, hono or web server), and the folder is self-contained —
//   `node agent/cloudsiem-agent.mjs --token-file FILE` runs anywhere with Node 20.19+, without
//   node_modules. Split in two so that the thread that starts the agent's worker (agent-main.ts)
//   loads only the small entry, not the agent's code a second time.
// - the web UI into packages/web/dist (Vite), which the portal serves at `/`.
// `--cli`, `--agent` or `--web` builds only those parts; `--out DIR` writes the bundles to DIR
// (DIR/cloudsiem.mjs, DIR/agent/).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    cli: { type: 'boolean' },
    agent: { type: 'boolean' },
    web: { type: 'boolean' },
    out: { type: 'string', default: resolve(root, 'dist') },
  },
});
const all = values.cli !== true && values.agent !== true && values.web !== true;
const wants = (part) => all || values[part] === true;

const bundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bundled CommonJS dependencies (pino) call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
};

const builds = [];
if (wants('cli'))
  builds.push(
    build({
      ...bundle,
      entryPoints: [resolve(root, 'packages/cli/src/main.ts')],
      outfile: resolve(values.out, 'cloudsiem.mjs'),
      external: ['better-sqlite3', 'pg'],
    }),
  );
if (wants('agent')) {
  const outdir = resolve(values.out, 'agent');
  // Chunks are named by their hash: remove those of earlier builds.
  rmSync(outdir, { recursive: true, force: true });
  builds.push(
    build({
      ...bundle,
      entryPoints: { 'cloudsiem-agent': resolve(root, 'packages/cli/src/agent-main.ts') },
      outdir,
      splitting: true,
      chunkNames: 'agent-[hash]',
      outExtension: { '.js': '.mjs' },
      // Nothing external: the agent needs no native module, and the folder must run on its own.
    }),
  );
}
await Promise.all(builds);

if (wants('web')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: resolve(root, 'packages/web/vite.config.ts'), logLevel: 'warn' });
}
