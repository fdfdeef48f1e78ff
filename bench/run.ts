// `npm run bench`: runs every benchmark (or those named on the command line) and prints numbers.
export {};
// Targets are ratios measured in the same run, because this machine is slow and noisy; where a
// target is absolute (agent-pipeline, agent-path: from the issue), same-run references print beside it.
const BENCHMARKS: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  'cef-encode': () => import('./cef-encode.ts'),
  'syslog-tcp': () => import('./syslog-tcp.ts'),
  relp: () => import('./relp.ts'),
  portal: () => import('./portal.ts'),
  'agent-pipeline': () => import('./agent-pipeline.ts'),
  'agent-path': () => import('./agent-path.ts'),
  connectors: () => import('./connectors.ts'),
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in BENCHMARKS)) {
    console.error(`Unknown benchmark '${name}'; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
}
for (const [name, load] of Object.entries(BENCHMARKS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  await (await load()).run();
}
