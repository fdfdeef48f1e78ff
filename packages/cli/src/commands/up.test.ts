// `cloudsiem up` (what `npm start` runs) through the real binary: CEF lines reach
// data/received.cef within seconds, every one decodes, and Ctrl-C stops it with nothing lost.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decode } from '@cloudsiem/cef';
import { waitFor } from '../../../../test/support/wait.ts';

const BIN = resolve(import.meta.dirname, '../../bin/cloudsiem.js');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    : [];
}

describe('cloudsiem up', () => {
  it('streams decodable CEF into data/received.cef and stops cleanly on SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudsiem-up-'));
    dirs.push(dataDir);
    const received = join(dataDir, 'received.cef');
    const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--rate', '500', '--data-dir', dataDir]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      await waitFor(() => lines(received).length >= 200, '200 lines in received.cef', 10_000);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exit).toBe(0);

    const all = lines(received);
    const decoded = all.map((line) => decode(line));
    expect(decoded.every((event) => event.vendor === 'MCAS' && event.product === 'SIEM_Agent')).toBe(true);
    expect(new Set(decoded.map((event) => event.signature.startsWith('ALERT_'))).size).toBe(2);
    // Every event sent was received: the final line reports both counts.
    const stopped = /Stopped: (\d+) events sent, (\d+) lines received\./.exec(out);
    expect(stopped, out).not.toBeNull();
    expect(Number(stopped![1])).toBe(all.length);
    expect(Number(stopped![2])).toBe(all.length);
    expect(new Set(decoded.map((event) => event.extension.externalId)).size).toBe(all.length);
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
