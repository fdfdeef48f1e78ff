// The short mode of the fault runs (docs/RELIABILITY.md "Fault runs") in `npm test`: each SIEM-side
// scenario over real processes must lose nothing, duplicate no more than the agent's replay window
// allows, and finish within its time bound. `npm run test:faults` runs them all and writes the table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../support/certs.ts';
import { findTool, toolOrSkip } from '../support/tools.ts';
import { runScenario, timeBoundMs } from './runner.ts';
import { SCENARIOS } from './scenarios.ts';

const EVENTS = Number(process.env.FAULTS_EVENTS ?? 20_000);
const SEED =
  process.env.FAULTS_SEED === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FAULTS_SEED);
/** Starting the portal and syslog-ng and ingesting the backlog, on top of a scenario's own bound. */
const SETUP_MS = 60_000;

const syslogNg = toolOrSkip('syslog-ng');
const openssl = toolOrSkip('openssl');

describe.skipIf(syslogNg === undefined || openssl === undefined)(
  'SIEM-side fault scenarios (short mode)',
  () => {
    let certs: TestCerts | undefined;
    beforeAll(() => {
      certs = makeTestCerts(openssl!.path);
      console.info(`fault scenarios: seed ${SEED} (replay with FAULTS_SEED=${SEED})`);
    });
    afterAll(() => removeTestCerts(certs));

    for (const scenario of SCENARIOS.filter((s) => s.short === true)) {
      it(
        `${scenario.id}: ${scenario.title}`,
        async () => {
          const result = await runScenario(scenario, {
            events: EVENTS,
            seed: SEED,
            short: true,
            syslogNg: syslogNg!,
            rsyslog: findTool('rsyslogd'),
            certs: certs!,
          });
          console.info(
            `${scenario.id} (seed ${SEED}): ${result.received}/${result.events} received, ${result.missing} missing, ` +
              `${result.duplicates} duplicates (bound ${result.duplicateBound}, ${result.boundSource}), ` +
              `${(result.durationMs / 1000).toFixed(1)} s${result.notes.length > 0 ? `; ${result.notes.join('; ')}` : ''}`,
          );
          expect(result.skipped).toBeUndefined();
          expect(result.events).toBe(EVENTS);
          expect(result.timedOut, 'finished within its time bound').toBe(false);
          expect(result.durationMs).toBeLessThanOrEqual(result.timeBoundMs);
          expect(result.missing, `missing ids, first: ${result.firstMissing.join(' ')}`).toBe(0);
          // The bound comes from the agent's replay-window gauge when it serves one; until then it is
          // estimated from the events the agent handed over in a resend window (marked 'estimate').
          expect(result.duplicates, `duplicates over the ${result.boundSource} bound`).toBeLessThanOrEqual(
            result.duplicateBound,
          );
          expect(result.unexpected, 'lines for events never ingested').toBe(0);
        },
        timeBoundMs(scenario, EVENTS) + SETUP_MS,
      );
    }
  },
);
