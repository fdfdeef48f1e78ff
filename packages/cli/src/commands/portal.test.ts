// `cloudsiem portal` through the real binary: first start prints the first admin's login once,
// the API answers (over HTTPS with --tls-cert/--tls-key), SIGTERM stops it with exit 0, and bad
// options fail with one clear line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/support/wait.ts';
import { toolOrSkip } from '../../../../test/support/tools.ts';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../../../../test/support/certs.ts';

const BIN = resolve(import.meta.dirname, '../../bin/cloudsiem.js');
const dirs: string[] = [];
const certs: TestCerts[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  // A failed assertion must not leave a portal running.
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  removeTestCerts(...certs.splice(0));
});

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'portal', '--port', '0', ...args], {
    env: { ...process.env, CLOUDSIEM_ADMIN_PASSWORD: '', ...env },
  });
  children.push(child);
  const output = { out: '', err: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output.err += chunk.toString('utf8')));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output, exit };
}

async function listening(run: { output: { out: string } }): Promise<string> {
  await waitFor(() => /listening on (\S+)/.test(run.output.out), 'the portal to listen', 15_000);
  return /listening on (\S+)/.exec(run.output.out)![1]!;
}

async function stop(run: { child: ChildProcessWithoutNullStreams; exit: Promise<number | null> }) {
  run.child.kill('SIGTERM');
  return run.exit;
}

describe('cloudsiem portal', () => {
  it('creates the first admin once, serves the API, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-portal-'));
    dirs.push(dir);
    const database = `sqlite:${join(dir, 'portal.db')}`;
    const first = start(['--database', database]);
    const url = await listening(first);
    await waitFor(() => /First admin created: .*\n/.test(first.output.out), 'the first admin line', 5000);
    const login = /First admin created: (\S+) \/ (\S+)/.exec(first.output.out);
    expect(login?.[1]).toBe('admin@cloudsiem.local');
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', store: 'ok' });
    const signIn = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: login![1], password: login![2] }),
    });
    expect(signIn.status).toBe(200);
    // A first start adds the built-in policies, so simulated traffic raises alerts at once.
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const policies = (await (await fetch(`${url}/api/v1/policies`, { headers: { cookie } })).json()) as {
      data: { name: string; kind: string }[];
    };
    expect(policies.data.length).toBeGreaterThanOrEqual(4);
    expect(policies.data.map((p) => p.kind)).toContain('threshold');
    expect(await stop(first)).toBe(0);
    // The log lines never carry the password.
    expect(
      first.output.out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    ).not.toContain(login![2]);

    const second = start(['--database', database]);
    await listening(second);
    expect(second.output.out).not.toContain('First admin created');
    expect(await stop(second)).toBe(0);
  });

  it('never prints a password from CLOUDSIEM_ADMIN_PASSWORD, and keeps the database private (0600/0700)', async () => {
    const password = 'my-own-secret-password-42';
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-portal-'));
    dirs.push(dir);
    // A folder the portal creates, under one that exists (whose mode is left alone).
    const folder = join(dir, 'store');
    const file = join(folder, 'portal.db');
    const run = start(['--database', `sqlite:${file}`], { CLOUDSIEM_ADMIN_PASSWORD: password });
    const url = await listening(run);
    await waitFor(() => /First admin created: .*\n/.test(run.output.out), 'the first admin line', 5000);
    expect(run.output.out).toContain(
      'First admin created: admin@cloudsiem.local / the password you set in CLOUDSIEM_ADMIN_PASSWORD',
    );
    expect(run.output.out + run.output.err).not.toContain(password);
    const signIn = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@cloudsiem.local', password }),
    });
    expect(signIn.status).toBe(200);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      expect(existsSync(path), path).toBe(true);
      expect(statSync(path).mode & 0o777, path).toBe(0o600);
    }
    expect(await stop(run)).toBe(0);
  });

  it('makes a world-readable database from an earlier version private', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-portal-'));
    dirs.push(dir);
    const file = join(dir, 'old.db');
    writeFileSync(file, '', { mode: 0o644 });
    chmodSync(file, 0o644);
    const run = start(['--database', `sqlite:${file}`]);
    await listening(run);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await stop(run)).toBe(0);
  });

  it('serves HTTPS with --tls-cert and --tls-key', async () => {
    const openssl = toolOrSkip('openssl', 'apt-get install openssl');
    if (openssl === undefined) return;
    const pair = makeTestCerts(openssl.path);
    certs.push(pair);
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-portal-'));
    dirs.push(dir);
    const run = start([
      '--database',
      `sqlite:${join(dir, 'p.db')}`,
      '--tls-cert',
      pair.certFile,
      '--tls-key',
      pair.keyFile,
    ]);
    const url = await listening(run);
    expect(url).toMatch(/^https:\/\//);
    const body = await new Promise<string>((resolveBody, reject) => {
      const req = request(
        `${url}/healthz`,
        { ca: pair.ca, servername: 'localhost', minVersion: 'TLSv1.2' },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolveBody(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok', store: 'ok' });
    expect(await stop(run)).toBe(0);
  });

  it.each([
    [['--database', 'mysql://x'], 1, /the database URL must start with sqlite: or postgres:\/\//],
    [['--tls-cert', 'x.pem'], 2, /--tls-cert and --tls-key go together/],
    [['--public-url', 'ftp://x'], 2, /--public-url must be an http/],
    [['--port', 'http'], 2, /--port must be a port number/],
    [
      ['--secret-key-file', '/nonexistent/secret.key'],
      2,
      /--secret-key-file \/nonexistent\/secret.key cannot be read \(ENOENT\)/,
    ],
  ])('refuses %j with exit code %i and one clear line', async (args, code, message) => {
    const run = start(args);
    expect(await run.exit).toBe(code);
    expect(run.output.err).toMatch(message);
    expect(run.output.err).not.toMatch(/\n\s+at /);
  });
});
