// `cloudsiem cef encode`: JSON lines in, CEF lines out, bad lines reported with their number and
// field. Most cases call the command with in-memory streams; one goes through the real binary.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decode } from '@cloudsiem/cef';
import { CliError } from '../cli-error.ts';
import { runCef } from './cef.ts';

const BIN = resolve(import.meta.dirname, '../../bin/cloudsiem.js');
const FIXTURES = resolve(import.meta.dirname, '../../../cef/fixtures/mcas-compat.jsonl');

interface Vector {
  kind: 'activity' | 'alert';
  record: Record<string, unknown>;
  options: { deviceVersion: string; portalUrl: string; systemName: string | null };
  expected: string;
}
const vectors = readFileSync(FIXTURES, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Vector);

const logout = {
  id: 'a1',
  timestamp: 1511373004000,
  category: 'EVENT_CATEGORY_LOGOUT',
  action: 'Log out',
  user: 'admin@contoso.com',
  ip: '13.82.149.151',
};

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer | string) => (text += chunk.toString()));
  return () => text;
}

/** Runs the command on `input` (a string, or chunks to cut it anywhere). */
async function run(argv: string[], input: string | string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const chunks = (typeof input === 'string' ? [input] : input).map((chunk) => Buffer.from(chunk));
  const code = await runCef(argv, { stdin: Readable.from(chunks), stdout, stderr });
  return { code, stdout: out(), stderr: err() };
}

describe('cloudsiem cef encode', () => {
  it("reproduces every golden line from its record, with the vector's options as flags", async () => {
    const groups = new Map<string, Vector[]>();
    for (const v of vectors) {
      const key = JSON.stringify([v.kind, v.options]);
      groups.set(key, [...(groups.get(key) ?? []), v]);
    }
    for (const group of groups.values()) {
      const { kind, options } = group[0]!;
      const argv = [
        'encode',
        '--type',
        kind,
        '--device-version',
        options.deviceVersion,
        '--portal-url',
        options.portalUrl,
      ];
      if (options.systemName !== null) argv.push('--system-name', options.systemName);
      const result = await run(argv, group.map((v) => JSON.stringify(v.record)).join('\n'));
      expect(result).toEqual({ code: 0, stdout: group.map((v) => `${v.expected}\n`).join(''), stderr: '' });
    }
    expect([...groups.values()].flat()).toHaveLength(12);
  });

  it('reports each bad line with its number and field, still writes the good ones, and exits 1', async () => {
    const input = [
      JSON.stringify(logout),
      '',
      '{"id": "a2", "timestamp": "yesterday", "category": "EVENT_CATEGORY_LOGOUT", "action": "Log out"}',
      'not json',
      JSON.stringify({ ...logout, id: 'a3', ip: '10.0.0.256', targetObjects: ['x', 7] }),
      '   ',
      JSON.stringify({ ...logout, id: 'a4' }),
    ].join('\r\n');
    const result = await run(['encode', '--type', 'activity'], input);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => decode(line).extension.externalId)).toEqual(['a1', 'a4']);
    expect(result.stderr).toMatch(/^line 3: timestamp: .+\nline 4: record: not valid JSON .+\n/);
    expect(result.stderr).toContain('line 5: ip: must be an IPv4 or IPv6 address\n');
    expect(result.stderr).toMatch(/line 5: targetObjects\[1\]: .*expected string/);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(4);
  });

  it('exits 0 with no output for empty input', async () => {
    expect(await run(['encode', '--type', 'alert'], '')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('handles lines and UTF-8 characters cut across input chunks', async () => {
    const text = `${JSON.stringify({ ...logout, description: 'Überprüfung 😀' })}\n${JSON.stringify({ ...logout, id: 'a2' })}`;
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('😀')) + 2; // inside the 4-byte emoji
    const chunks = [bytes.subarray(0, cut).toString('latin1'), bytes.subarray(cut).toString('latin1')];
    const stdout = new PassThrough();
    const out = collect(stdout);
    const stdin = Readable.from(chunks.map((chunk) => Buffer.from(chunk, 'latin1')));
    expect(await runCef(['encode', '--type', 'activity'], { stdin, stdout, stderr: new PassThrough() })).toBe(
      0,
    );
    const lines = out().trimEnd().split('\n');
    expect(lines.map((line) => decode(line).extension.msg)).toEqual(['Überprüfung 😀', '']);
  });

  it('applies the format options', async () => {
    const { stdout } = await run(
      [
        'encode',
        '--type',
        'activity',
        '--time-format',
        'rfc3164',
        '--pri',
        '--facility',
        '4',
        '--system-name',
        'agent-01',
        '--vendor',
        'Acme',
        '--product',
        'CloudSIEM',
        '--device-version',
        '9.9',
        '--portal-url',
        'https://portal.example.com/',
      ],
      JSON.stringify(logout),
    );
    const decoded = decode(stdout.trimEnd());
    expect(decoded).toMatchObject({
      prefix: '<38>Nov 22 17:50:04 agent-01 ',
      vendor: 'Acme',
      product: 'CloudSIEM',
      deviceVersion: '9.9',
    });
    expect(decoded.extension.cs1).toBe('https://portal.example.com/#/audits?activity.id=eq(a1,)');
    const arcsight = await run(
      ['encode', '--type', 'activity', '--format', 'arcsight', '--pri'],
      JSON.stringify(logout),
    );
    expect(arcsight.stdout).toMatch(/^2017-11-22T17:50:04\.000Z CEF:0\|MCAS\|SIEM_Agent\|/);
    const noPri = await run(['encode', '--type', 'activity', '--no-pri'], JSON.stringify(logout));
    expect(noPri.stdout).toMatch(/^2017-11-22T17:50:04\.000Z CEF:0\|/);
  });

  it.each([
    [['encode'], /--type must be one of activity, alert/],
    [['encode', '--type', 'event'], /--type must be one of activity, alert, got "event"/],
    [['encode', '--type', 'alert', '--format', 'leef'], /--format must be one of generic, arcsight/],
    [['encode', '--type', 'alert', '--time-format', 'iso'], /--time-format must be one of/],
    [['encode', '--type', 'alert', '--facility', '24'], /--facility must be an integer from 0 to 23/],
    [['encode', '--type', 'alert', '--pri', '--no-pri'], /--pri and --no-pri contradict/],
    [['encode', '--type', 'alert', '--system-name', 'two words'], /^--system-name: /],
    [
      ['encode', '--type', 'alert', '--portal-url', 'portal'],
      /^--portal-url: must be an absolute http\(s\) URL/,
    ],
    [['encode', '--type', 'alert', '--vendor', ''], /^--vendor: must not be empty/],
    [['encode', '--type', 'alert', '--bogus'], /Unknown option '--bogus'/],
    [['decode'], /unknown sub-command 'decode'/],
  ])('refuses bad arguments %j with exit code 2', async (argv, message) => {
    const error = await run(argv, '').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(message);
  });

  it('prints its usage with --help', async () => {
    const result = await run(['encode', '--help'], '');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: cloudsiem cef encode --type activity|alert');
  });

  it('works through the real binary: stdin → stdout, problems on stderr, exit code', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'cef', 'encode', '--type', 'activity', '--system-name', 'host-1'],
      {
        stdio: 'pipe',
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdin.end(`${JSON.stringify(logout)}\n{"id":"b"}\n`);
    expect(await exit).toBe(1);
    expect(stdout).toMatch(
      /^2017-11-22T17:50:04\.000Z host-1 CEF:0\|MCAS\|SIEM_Agent\|[^|]+\|EVENT_CATEGORY_LOGOUT\|Log out\|0\|externalId=a1 /,
    );
    expect(stdout.endsWith('c6a1=\n')).toBe(true);
    expect(stderr).toMatch(/^line 2: timestamp: /);
  });

  it('exits 2 through the real binary on a bad option, with one line saying why', async () => {
    const child = spawn(process.execPath, [BIN, 'cef', 'encode', '--type', 'activity', '--facility', 'x'], {
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toBe('cloudsiem cef: --facility must be an integer from 0 to 23, got "x"\n');
  });
});
