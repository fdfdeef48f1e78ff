// `npm run test:faults`: runs the SIEM-side fault scenarios over real processes, prints a table,
// and after a full run rewrites docs/RELIABILITY.md's fault table (between its markers).
// FAULTS_SHORT=1 (the CI subset, 20k events), FAULTS_EVENTS=N, FAULTS_SEED=N, FAULTS_ONLY=id,id,
// FAULTS_WRITE=0|1 (default: write after a full run of every scenario), FAULTS_JSON=path.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findTool } from '../support/tools.ts';
import { makeTestCerts, removeTestCerts } from '../support/certs.ts';
import { markdownTable, rewriteTable, runInfo, tableSection, verdict } from './report.ts';
import { runScenario, skippedResult, type ScenarioResult } from './runner.ts';
import { SCENARIOS } from './scenarios.ts';
import { postgresProblem } from './world.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const env = process.env;
const short = env.FAULTS_SHORT === '1';
const events = Number(env.FAULTS_EVENTS ?? (short ? 20_000 : 200_000));
const seed = env.FAULTS_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(env.FAULTS_SEED);
const only = env.FAULTS_ONLY?.split(',').filter((id) => id !== '');
if (!Number.isInteger(events) || events < 1000) throw new Error('FAULTS_EVENTS must be an integer ≥ 1000');
if (!Number.isInteger(seed)) throw new Error('FAULTS_SEED must be an integer');

const scenarios = SCENARIOS.filter((s) =>
  only === undefined ? !short || s.short === true : only.includes(s.id),
);
if (only !== undefined && scenarios.length !== only.length)
  throw new Error(`FAULTS_ONLY: unknown scenario; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);

const syslogNg = findTool('syslog-ng');
const openssl = findTool('openssl');
if (syslogNg === undefined || openssl === undefined)
  throw new Error('syslog-ng and openssl are needed: run scripts/install-test-tools.sh');
const rsyslog = findTool('rsyslogd');

const command = [
  ...(short ? ['FAULTS_SHORT=1'] : []),
  ...(env.FAULTS_EVENTS === undefined ? [] : [`FAULTS_EVENTS=${events}`]),
  `FAULTS_SEED=${seed}`,
  ...(only === undefined ? [] : [`FAULTS_ONLY=${only.join(',')}`]),
  'npm run test:faults',
].join(' ');
console.log(`fault runs: ${scenarios.length} scenarios, ${events} events each, seed ${seed}\n  ${command}`);

const certs = makeTestCerts(openssl.path);
const started = Date.now();
const results: ScenarioResult[] = [];
try {
  for (const scenario of scenarios) {
    const t0 = Date.now();
    let result: ScenarioResult;
    if (scenario.store === 'postgres' && (await postgresProblem()) !== null) {
      const reason = `PostgreSQL does not answer (${await postgresProblem()})`;
      if (env.CI === 'true') throw new Error(`CI=true and ${reason}`);
      result = skippedResult(scenario, seed, reason);
    } else {
      try {
        result = await runScenario(scenario, {
          events,
          seed,
          short,
          syslogNg,
          rsyslog,
          certs,
          log: (line) => console.log(`  ${line}`),
        });
      } catch (error) {
        // The harness itself failed (a process would not start): say so and go on with the rest.
        console.error(error);
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        result = { ...skippedResult(scenario, seed, ''), skipped: undefined, error: message, passed: false };
      }
    }
    results.push(result);
    console.log(
      `${scenario.id}: ${verdict(result)} — ${result.received}/${result.events} received, ${result.missing} missing, ` +
        `${result.duplicates} duplicates (bound ${result.duplicateBound}, ${result.boundSource}), ` +
        `${result.fragments} cut lines, ${((Date.now() - t0) / 1000).toFixed(0)} s wall` +
        (result.firstMissing.length > 0 ? `; first missing ${result.firstMissing.join(' ')}` : ''),
    );
  }
} finally {
  removeTestCerts(certs);
}

const totalMs = Date.now() - started;
console.log(`\n${markdownTable(results)}\n\ntotal ${(totalMs / 60_000).toFixed(1)} min`);
if (env.FAULTS_JSON !== undefined) writeFileSync(env.FAULTS_JSON, JSON.stringify(results, null, 2));
const write = env.FAULTS_WRITE === undefined ? !short && only === undefined : env.FAULTS_WRITE === '1';
if (write) {
  const path = join(ROOT, 'docs/RELIABILITY.md');
  await rewriteTable(path, tableSection(runInfo(ROOT, command, seed, events, totalMs), results));
  console.log(`wrote ${path}`);
}
process.exitCode = results.every((r) => r.passed) ? 0 : 1;
