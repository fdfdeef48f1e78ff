// How `runSimulation` reads the portal's answers, against a real local HTTP server: a 429 waits
// Retry-After and sends the same batch again; 404 and 413 stop with a hint (exit code 1); a body
// that is not an ingest result, or an error page that is not the portal's, says so.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { runSimulation, type SimulationRetry } from './simulate.ts';

let server: Server;
let portalUrl: string;
let answers: ((res: ServerResponse) => void)[];
let bodies: string[];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      const answer = answers.shift() ?? ((r: ServerResponse) => r.writeHead(500).end());
      answer(res);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  portalUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  answers = [];
  bodies = [];
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const accepted = (n: number) => json(200, { accepted: n, duplicates: 0, alertsRaised: 0, rejected: [] });

function run(onRetry?: (retry: SimulationRetry) => void) {
  return runSimulation({
    portalUrl,
    token: 'csadm_x.y',
    rate: 1000,
    count: 3,
    batchSize: 3,
    seed: 7,
    signal: new AbortController().signal,
    ...(onRetry === undefined ? {} : { onRetry }),
  });
}

async function cliError(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('runSimulation reading the answers', () => {
  it('waits Retry-After after a 429 and sends the same batch again', async () => {
    answers = [
      json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': '1' }),
      accepted(3),
    ];
    const retries: SimulationRetry[] = [];
    const totals = await run((r) => retries.push(r));
    expect(totals).toMatchObject({ activitiesSent: 3, accepted: 3, retries: 1 });
    expect(retries).toHaveLength(1);
    expect(retries[0]?.reason).toBe('the portal answered 429 RATE_LIMITED: slow down');
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies[0]?.trimEnd().split('\n')).toHaveLength(3);
  });

  it('stops on 404 and 413 with a hint, exit code 1', async () => {
    answers = [json(404, { error: { code: 'NOT_FOUND', message: 'no route' } })];
    const notFound = await cliError(run());
    expect(notFound.exitCode).toBe(1);
    expect(notFound.message).toBe(
      `the portal refused the activities: 404 NOT_FOUND: no route; is ${portalUrl} the portal's URL?`,
    );
    answers = [(res) => res.writeHead(413, { 'content-type': 'text/plain' }).end('too big\u0007')];
    const tooLarge = await cliError(run());
    expect(tooLarge.message).toBe('the portal refused the activities: 413 too big\\u0007; lower --batch');
  });

  it('stops when a success answer is not an ingest result', async () => {
    answers = [json(200, { hello: 'world' })];
    const error = await cliError(run());
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `${portalUrl}/api/v1/ingest/activities answered 200 with a body that is not an ingest result; is --portal a cloudsiem portal?`,
    );
  });
});
