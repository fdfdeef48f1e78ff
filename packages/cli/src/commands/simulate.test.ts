// `cloudsiem simulate` argument parsing: defaults, the token from the environment, every problem
// reported at once with exit code 2, and --ca-file tied to NODE_EXTRA_CA_CERTS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { parseSimulateArgs } from './simulate.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = ['--portal', 'https://cloudsiem.example.com', '--token', 'csa_example'];

/** The CliError a parse throws; fails the test when it does not throw one. */
function parseError(argv: string[], env: NodeJS.ProcessEnv = {}): CliError {
  try {
    parseSimulateArgs(argv, env);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error(`expected a CliError for ${argv.join(' ')}`);
}

describe('parseSimulateArgs', () => {
  it('fills the defaults and freezes the result', () => {
    const options = parseSimulateArgs(BASE, {});
    expect(options).toEqual({
      portalUrl: 'https://cloudsiem.example.com',
      token: 'csa_example',
      rate: 20,
      count: null,
      batchSize: 200,
      seed: undefined,
      caFile: null,
      warnings: [],
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('takes every option', () => {
    const argv = [...BASE, '--rate', '2.5', '--count', '1000', '--batch', '5000', '--seed=-7'];
    expect(parseSimulateArgs(argv, {})).toMatchObject({ rate: 2.5, count: 1000, batchSize: 5000, seed: -7 });
  });

  it('answers help', () => {
    expect(parseSimulateArgs(['--help'], {})).toBe('help');
    expect(parseSimulateArgs(['-h'], {})).toBe('help');
  });

  it('keeps a path prefix of the portal URL and drops the trailing slash, query and fragment', () => {
    const argv = ['--portal', 'https://example.com/cloudsiem/?x=1#top', '--token', 't'];
    expect(parseSimulateArgs(argv, {})).toMatchObject({ portalUrl: 'https://example.com/cloudsiem' });
  });

  it('takes the token from CLOUDSIEM_ADMIN_TOKEN; --token wins over it', () => {
    const portal = ['--portal', 'http://127.0.0.1:8080'];
    expect(parseSimulateArgs(portal, { CLOUDSIEM_ADMIN_TOKEN: 'from-env' })).toMatchObject({
      token: 'from-env',
    });
    expect(
      parseSimulateArgs([...portal, '--token', 'from-flag'], { CLOUDSIEM_ADMIN_TOKEN: 'from-env' }),
    ).toMatchObject({ token: 'from-flag' });
  });

  it('warns about plain HTTP to a host other than loopback, not about loopback', () => {
    const warned = parseSimulateArgs(['--portal', 'http://portal.internal:8080', '--token', 't'], {});
    expect(warned).toMatchObject({ warnings: [expect.stringContaining('plain HTTP')] });
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      expect(parseSimulateArgs(['--portal', `http://${host}:8080`, '--token', 't'], {})).toMatchObject({
        warnings: [],
      });
    }
  });

  it('reports every problem at once, one per line naming the option, with exit code 2', () => {
    const error = parseError(['--rate', '0', '--count', '1.5', '--batch', '5001', '--seed', 'x']);
    expect(error.exitCode).toBe(2);
    const lines = error.message.split('\n');
    for (const option of ['--portal', '--token', '--rate', '--count', '--batch', '--seed']) {
      expect(
        lines.some((line) => line.startsWith(`${option}: `)),
        option,
      ).toBe(true);
    }
  });

  it.each([
    [['--rate', 'fast'], '--rate'],
    [['--rate', '100001'], '--rate'],
    [['--rate=-1'], '--rate'],
    [['--count', '0'], '--count'],
    [['--count', '1e3'], '--count'],
    [['--batch', '0'], '--batch'],
    [['--batch', '200.5'], '--batch'],
    [['--seed', '1.5'], '--seed'],
    [['--seed', '99999999999999999999'], '--seed'],
  ])('rejects %j', (extra, option) => {
    expect(parseError([...BASE, ...extra]).message).toMatch(new RegExp(`^${option}: `, 'm'));
  });

  it.each([['not a url'], ['ftp://example.com'], ['https://admin:secret@example.com']])(
    'rejects the portal URL %j',
    (url) => {
      expect(parseError(['--portal', url, '--token', 't']).message).toMatch(/^--portal: /m);
    },
  );

  it('does not echo a malformed token', () => {
    const error = parseError(['--portal', 'https://example.com', '--token', 'secret part']);
    expect(error.message).toMatch(/^--token: /m);
    expect(error.message).not.toContain('secret');
  });

  it('rejects unknown options and positional arguments', () => {
    expect(parseError([...BASE, '--speed', '3']).exitCode).toBe(2);
    expect(parseError([...BASE, 'extra']).exitCode).toBe(2);
  });

  it('takes --ca-file when NODE_EXTRA_CA_CERTS names the same file, and says how to run it otherwise', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    expect(parseSimulateArgs([...BASE, '--ca-file', ca], { NODE_EXTRA_CA_CERTS: ca })).toMatchObject({
      caFile: ca,
    });
    expect(parseError([...BASE, '--ca-file', ca]).message).toContain(
      `NODE_EXTRA_CA_CERTS=${ca} cloudsiem simulate`,
    );
    expect(parseError([...BASE, '--ca-file', join(dir, 'missing.pem')]).message).toMatch(
      /^--ca-file: cannot read/m,
    );
    const httpPortal = ['--portal', 'http://127.0.0.1:8080', '--token', 't', '--ca-file', ca];
    expect(parseError(httpPortal, { NODE_EXTRA_CA_CERTS: ca }).message).toMatch(/https:\/\/ portal only/);
  });
});
