// Builds what runs (run by `npm ci` through `prepare`, and by `npm run build`):
// - the CLI into dist/cloudsiem.mjs (esbuild), so the installed binary starts without compiling
//   TypeScript at run time. The native database drivers stay external.
// - the agent alone into dist/agent/ (cloudsiem-agent.mjs and the chunk it loads): `cloudsiem agent`
//   loads only this (no portal, kysely, hono or web server), and the folder is self-contained —
//   `node agent/cloudsiem-agent.mjs --token-file FILE` runs anywhere with Node 20.19+, without
//   node_modules. Split in two so that the thread that starts the agent's worker (agent-main.ts)
//   loads only the small entry, not the agent's code a second time.
// - the agent again as ONE file, dist/downloads/cloudsiem-agent.mjs (with cloudsiem-agent.mjs.sha256
//   beside it, sha256sum's format), which the portal serves at /downloads/ for admins to install on
//   another server. The same entry without splitting: esbuild wraps every module the entry reaches
//   only through `import()` in a lazy initialiser, so the main thread that starts the worker parses
//   the agent's code but runs none of it. No source map: the file must be the whole download.
//   Beside it, deploy/cloudsiem-agent.service with its ExecStart= running that file.
// - the web UI into packages/web/dist (Vite), which the portal serves at `/`.
// `--cli`, `--agent` or `--web` builds only those parts; `--out DIR` writes the bundles to DIR
// (DIR/cloudsiem.mjs, DIR/agent/, DIR/downloads/).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * deploy/cloudsiem-agent.service for the downloaded file: the same unit, starting
 * /opt/cloudsiem/cloudsiem-agent.mjs with the Node on systemd's PATH instead of the `cloudsiem` wrapper.
 */
function downloadedUnit() {
  const unit = readFileSync(resolve(root, 'deploy/cloudsiem-agent.service'), 'utf8');
  const from = /^# \/usr\/bin\/env finds.*\nExecStart=\/usr\/bin\/env cloudsiem agent /m;
  if (!from.test(unit))
    throw new Error('deploy/cloudsiem-agent.service: its ExecStart= line changed; update downloadedUnit()');
  return unit.replace(
    from,
    '# The agent downloaded from the portal (/downloads/cloudsiem-agent.mjs), run by the Node that\n' +
      "# /usr/bin/env finds on systemd's PATH (/usr/local/bin, /usr/bin): Node.js 20.19 or later.\n" +
      'ExecStart=/usr/bin/env node /opt/cloudsiem/cloudsiem-agent.mjs ',
  );
}

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
  const downloads = resolve(values.out, 'downloads');
  const download = resolve(downloads, 'cloudsiem-agent.mjs');
  mkdirSync(downloads, { recursive: true });
  builds.push(
    build({
      ...bundle,
      entryPoints: [resolve(root, 'packages/cli/src/agent-main.ts')],
      outfile: download,
      // `./cloudsiem-agent.mjs` after `chmod +x` runs it with the Node on the PATH.
      banner: { js: `#!/usr/bin/env node\n${bundle.banner.js}` },
      sourcemap: false,
    }).then(() => {
      const sha256 = createHash('sha256').update(readFileSync(download)).digest('hex');
      writeFileSync(`${download}.sha256`, `${sha256}  cloudsiem-agent.mjs\n`);
    }),
  );
  writeFileSync(resolve(downloads, 'cloudsiem-agent.service'), downloadedUnit());
}
await Promise.all(builds);

if (wants('web')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: resolve(root, 'packages/web/vite.config.ts'), logLevel: 'warn' });
}
