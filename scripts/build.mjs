// Builds what runs (run by `npm ci` through `prepare`, and by `npm run build`):
// - the CLI into dist/cloudsiem.mjs (esbuild), so the installed binary starts without compiling
//   TypeScript at run time: the agent idles at ~85 MB RSS instead of ~110 MB through tsx. The native
//   database drivers stay external.
// - the web UI into packages/web/dist (Vite), which the portal serves at `/`.
// `--cli` or `--web` builds only that part.
import { build } from 'esbuild';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
const wants = (part) => only.length === 0 || only.includes(`--${part}`);

if (wants('cli')) {
  await build({
    entryPoints: [resolve(root, 'packages/cli/src/main.ts')],
    outfile: resolve(root, 'dist/cloudsiem.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', 'pg'],
    // Bundled CommonJS dependencies (pino) call require(); give the ES module one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (wants('web')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: resolve(root, 'packages/web/vite.config.ts'), logLevel: 'warn' });
}
