// `cloudsiem connector test` through the real binary against a second real portal (the cloudsiem
// type): the first records and their CEF lines with exit 0, a refused token named with exit 3 and
// never echoed, and a secret required from a file, not the command line.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activityRecords,
  startTestPortal,
  storeTargets,
  type TestPortal,
} from '@cloudsiem/portal/test-support';

const BIN = resolve(import.meta.dirname, '../../bin/cloudsiem.js');

function run(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'connector', ...args]);
  const output = { out: '', err: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output.err += chunk.toString('utf8')));
  child.stdin.end(stdin);
  return new Promise((done) => child.on('exit', (code) => done({ code, ...output })));
}

// Each run loads the CLI through tsx: seconds apiece on a loaded machine.
describe('cloudsiem connector test', { timeout: 90_000 }, () => {
  let remote: TestPortal;
  let tokenFile: string;
  beforeAll(async () => {
    const [sqlite] = await storeTargets();
    if (sqlite === undefined) throw new Error('no SQLite target');
    // The real clock: the binary reads with its own.
    remote = await startTestPortal(sqlite, { clock: { now: () => Date.now(), set() {}, advance() {} } });
    await remote.portal.services.events.ingestActivities(activityRecords('cli', 3, Date.now() - 120_000));
    const { token } = await remote.portal.services.admins.createApiToken(remote.adminId, 'hub', 'read');
    tokenFile = join(mkdtempSync(join(tmpdir(), 'cloudsiem-cli-')), 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    // The connector reads only what settled 30 s ago.
    await new Promise((r) => setTimeout(r, 31_000));
  }, 60_000);
  afterAll(() => remote.close());

  it('prints the first records as CEF lines and exits 0', async () => {
    const { code, out } = await run([
      'test',
      '--type',
      'cloudsiem',
      '--url',
      remote.url,
      '--token-file',
      tokenFile,
    ]);
    expect(out).toContain('activities: 3 records on the first page');
    expect(out).toMatch(/CEF:0\|MCAS\|SIEM_Agent\|[^|]*\|EVENT_CATEGORY_LOGIN\|Log on\|0\|externalId=cli-0 /);
    expect(out).toContain('OK: cloudsiem answered');
    expect(code).toBe(0);
  });

  it('names a refused token, exits 3, and never prints it', async () => {
    const { code, out } = await run(
      ['test', '--type', 'cloudsiem', '--url', remote.url, '--token-file', '-'],
      'csadm_wrongwrong.secretsecret\n',
    );
    expect(out).toContain('FAILED (auth, HTTP 401)');
    expect(out).toContain('needs an admin API token of the other portal');
    expect(out).not.toContain('secretsecret');
    expect(code).toBe(3);
  });

  it('asks for the secret file and names bad settings', async () => {
    const missing = await run([
      'test',
      '--type',
      'mdca',
      '--url',
      'https://contoso.portal.cloudappsecurity.com',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--tenant: is required with auth "oauth"');
    const plain = await run([
      'test',
      '--type',
      'cloudsiem',
      '--url',
      'http://portal.example.com',
      '--token-file',
      tokenFile,
    ]);
    expect(plain.code).toBe(2);
    expect(plain.err).toContain('--url: plain http is allowed only on loopback');
  });
});
