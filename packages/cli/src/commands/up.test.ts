// `cloudsiem up` (what `npm start` runs) through the real binary: the portal, the simulator, the
// local receiver and a SIEM agent in one process. CEF lines reach data/received.cef within
// seconds, the portal reports the agent Connected, Ctrl-C stops it with every sent line received,
// and a second start resumes where the first stopped (no line twice).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decode } from '@cloudsiem/cef';
import { waitFor } from '../../../../test/support/wait.ts';

const BIN = resolve(import.meta.dirname, '../../bin/cloudsiem.js');
const PASSWORD = 'up-test-password-1234';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    : [];
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startUp(dataDir: string, extra: string[] = [], password = PASSWORD): Run {
  const child = spawn(
    process.execPath,
    [BIN, 'up', '--port', '0', '--syslog-port', '0', '--rate', '200', '--data-dir', dataDir, ...extra],
    { env: { ...process.env, CLOUDSIEM_ADMIN_PASSWORD: password } },
  );
  children.push(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => out, exit };
}

/** The status of the up agent as the portal reports it, through the admin API (a real sign-in). */
async function agentStatus(run: Run): Promise<string | undefined> {
  const url = /portal (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1];
  if (url === undefined) return undefined;
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@cloudsiem.local', password: PASSWORD }),
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
  const list = (await (await fetch(`${url}/api/v1/siem-agents`, { headers: { cookie } })).json()) as {
    data: { name: string; status: string }[];
  };
  return list.data.find((a) => a.name === 'Local receiver (cloudsiem up)')?.status;
}

async function stop(run: Run): Promise<{ sent: number; received: number }> {
  run.child.kill('SIGINT');
  expect(await run.exit, run.output()).toBe(0);
  const stopped = /Stopped: (\d+) events sent by the agent, (\d+) lines received\./.exec(run.output());
  expect(stopped, run.output()).not.toBeNull();
  return { sent: Number(stopped![1]), received: Number(stopped![2]) };
}

describe('cloudsiem up', () => {
  it('streams CEF into data/received.cef within seconds, shows the agent Connected, stops cleanly, resumes', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'cloudsiem-up-'));
    dirs.push(parent);
    // A folder `up` creates itself.
    const dataDir = join(parent, 'data');
    const received = join(dataDir, 'received.cef');

    const first = startUp(dataDir);
    await waitFor(() => lines(received).length >= 50, '50 lines in received.cef', 10_000);
    let status: string | undefined;
    for (let i = 0; i < 20 && status !== 'connected'; i++) {
      status = await agentStatus(first);
      if (status !== 'connected') await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe('connected');
    // The password came from CLOUDSIEM_ADMIN_PASSWORD: never printed, never kept on disk.
    expect(first.output()).toMatch(
      /sign in\s+admin@cloudsiem\.local \/ the password you set in CLOUDSIEM_ADMIN_PASSWORD/,
    );
    expect(first.output()).not.toContain(PASSWORD);
    expect(existsSync(join(dataDir, 'first-admin.txt'))).toBe(false);
    // The data folder and the database are this user's only.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of ['cloudsiem.db', 'cloudsiem.db-wal', 'cloudsiem.db-shm', 'received.cef']) {
      expect(statSync(join(dataDir, name)).mode & 0o777, name).toBe(0o600);
    }
    await waitFor(
      () => /agent connected, syslog connected: activities/.test(first.output()),
      'a status line',
    );
    const one = await stop(first);
    const afterFirst = lines(received);
    expect(one.received).toBe(afterFirst.length);
    expect(one.sent).toBe(afterFirst.length);

    const second = startUp(dataDir);
    await waitFor(() => lines(received).length >= afterFirst.length + 50, '50 more lines', 10_000);
    const two = await stop(second);
    const all = lines(received);
    expect(all.length).toBe(afterFirst.length + two.received);

    const decoded = all.map((line) => decode(line));
    expect(decoded.every((event) => event.vendor === 'MCAS' && event.product === 'SIEM_Agent')).toBe(true);
    expect(decoded.some((event) => event.signature.startsWith('EVENT_CATEGORY_'))).toBe(true);
    // The second start resumed at the first one's acknowledged position: nothing twice.
    const ids = decoded.map((event) => event.extension.externalId);
    expect(new Set(ids).size).toBe(all.length);
  }, 60_000);

  it('runs without the agent when asked: the portal is up, nothing is sent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudsiem-up-'));
    dirs.push(dataDir);
    // No CLOUDSIEM_ADMIN_PASSWORD: a generated password, printed and kept for this user only.
    const run = startUp(dataDir, ['--no-agent'], '');
    await waitFor(() => /Ctrl-C stops everything/.test(run.output()), 'the banner', 10_000);
    const kept = readFileSync(join(dataDir, 'first-admin.txt'), 'utf8').trim().split(' ');
    expect(statSync(join(dataDir, 'first-admin.txt')).mode & 0o777).toBe(0o600);
    expect(run.output()).toContain(`sign in         admin@cloudsiem.local / ${kept[1]}`);
    expect(run.output()).toMatch(/agent\s+off \(--no-agent\)/);
    const url = /portal (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())![1]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const { sent, received } = await stop(run);
    expect([sent, received]).toEqual([0, 0]);
  });

  it('refuses a bad rate with exit code 2 and one clear line', async () => {
    const child = spawn(process.execPath, [BIN, 'up', '--rate', 'fast']);
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code).toBe(2);
    expect(err.trim()).toMatch(/^cloudsiem up: --rate must be a number/);
  });
});
