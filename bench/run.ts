// `npm run bench`: runs every benchmark of the default set (or those named on the command line),
// prints numbers and a summary table, and writes bench/results/latest.json (`curves`, a named
// benchmark outside the default set, writes bench/results/curves.json and docs/perf-curves.svg).
// `npm run bench -- --docs` rewrites the marked sections of docs/PERFORMANCE.md from those JSON
// files instead of measuring.
// Targets are ratios measured in the same run (peer and ours interleaved), because this machine is
// slow and noisy.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeResults } from './results.ts';

const BENCHMARKS: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  'cef-encode': () => import('./cef-encode.ts'),
  'syslog-tcp': () => import('./syslog-tcp.ts'),
  relp: () => import('./relp.ts'),
  portal: () => import('./portal.ts'),
  'agent-pipeline': () => import('./agent-pipeline.ts'),
  'agent-path': () => import('./agent-path.ts'),
  connectors: () => import('./connectors.ts'),
  curves: () => import('./curves.ts'),
  'agent-memory': () => import('./agent-memory.ts'),
};
/** Named only: not part of a plain `npm run bench`; each writes its own results file. */
const NAMED_ONLY = new Set(['curves', 'agent-memory']);

const args = process.argv.slice(2);
if (args.includes('--docs')) {
  await (await import('./docs.ts')).writeDocs();
  process.exit(0);
}
const wanted = args;
for (const name of wanted) {
  if (!(name in BENCHMARKS)) {
    console.error(`Unknown benchmark '${name}'; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
}
// The children run `cloudsiem` through packages/cli/bin, which loads the TypeScript through tsx
// (slower, and ~30 MB more memory) when a source is newer than the bundle: build what is measured.
execFileSync(
  process.execPath,
  [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--cli', '--agent'],
  {
    stdio: 'inherit',
  },
);
for (const [name, load] of Object.entries(BENCHMARKS)) {
  if (wanted.length > 0 ? !wanted.includes(name) : NAMED_ONLY.has(name)) continue;
  console.log(`\n## ${name}`);
  await (await load()).run();
}
if (wanted.length !== 1 || !NAMED_ONLY.has(wanted[0]!)) {
  await writeResults('latest.json', Number(process.env.BENCH_EVENTS ?? 1_000_000));
}
