// A portal serving HTTPS (issue 10, finding 3) sets its session cookie `Secure` and sends
// Strict-Transport-Security, with or without --public-url; a plain-HTTP portal on loopback does
// neither (a browser would drop a Secure cookie there), unless its public URL is https (behind a
// TLS-terminating proxy).
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortal, type Portal } from '../src/server.ts';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../../../test/support/certs.ts';
import { toolOrSkip } from '../../../test/support/tools.ts';

const PASSWORD = 'correct horse battery staple';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** Signs in over HTTPS trusting the test CA; the answer's status and headers. */
function signInHttps(url: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/v1/auth/login`,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ email: 'admin@cloudsiem.local', password: PASSWORD }));
  });
}

async function signInHttp(url: string): Promise<Answer> {
  const answer = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@cloudsiem.local', password: PASSWORD }),
  });
  return {
    status: answer.status,
    headers: {
      'set-cookie': answer.headers.getSetCookie(),
      'strict-transport-security': answer.headers.get('strict-transport-security') ?? undefined,
    },
  };
}

function sessionCookie(answer: Answer): string {
  const cookies = answer.headers['set-cookie'];
  const all = Array.isArray(cookies) ? cookies : cookies === undefined ? [] : [cookies];
  const cookie = all.find((c) => c.startsWith('cloudsiem_session='));
  if (cookie === undefined) throw new Error(`no session cookie in ${JSON.stringify(all)}`);
  return cookie;
}

const openssl = toolOrSkip('openssl', 'apt-get install openssl');

describe.skipIf(openssl === undefined)('the session cookie and HSTS', () => {
  let certs: TestCerts;
  const portals: Portal[] = [];
  const dirs: string[] = [];
  const start = async (options: { tls?: boolean; publicUrl?: string }) => {
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-https-'));
    dirs.push(dir);
    const portal = await startPortal({
      databaseUrl: `sqlite:${join(dir, 'portal.db')}`,
      port: 0,
      firstAdminPassword: PASSWORD,
      builtinPolicies: false,
      ...(options.tls === true
        ? { tls: { cert: Buffer.from(certs.cert), key: Buffer.from(certs.key) } }
        : {}),
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    });
    portals.push(portal);
    return portal;
  };
  beforeAll(() => {
    certs = makeTestCerts(openssl?.path);
  });
  afterAll(async () => {
    for (const portal of portals) await portal.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    removeTestCerts(certs);
  });

  it('are Secure and sent on an HTTPS portal without --public-url', async () => {
    const portal = await start({ tls: true });
    expect(portal.url).toMatch(/^https:/);
    const answer = await signInHttps(portal.url, certs.ca);
    expect(answer.status).toBe(200);
    expect(sessionCookie(answer)).toMatch(/;\s*Secure/i);
    expect(answer.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  });

  it('are Secure and sent on an HTTPS portal with an https --public-url', async () => {
    const portal = await start({ tls: true, publicUrl: 'https://portal.example.com' });
    const answer = await signInHttps(portal.url, certs.ca);
    expect(sessionCookie(answer)).toMatch(/;\s*Secure/i);
    expect(answer.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  });

  it('are Secure and sent behind a TLS-terminating proxy (plain HTTP, https public URL)', async () => {
    const portal = await start({ publicUrl: 'https://portal.example.com' });
    const answer = await signInHttp(portal.url);
    expect(answer.status).toBe(200);
    expect(sessionCookie(answer)).toMatch(/;\s*Secure/i);
    expect(answer.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  });

  it('are neither on a plain-HTTP portal', async () => {
    const portal = await start({});
    const answer = await signInHttp(portal.url);
    expect(answer.status).toBe(200);
    expect(sessionCookie(answer)).not.toMatch(/Secure/i);
    expect(sessionCookie(answer)).toMatch(/HttpOnly/i);
    expect(answer.headers['strict-transport-security']).toBeUndefined();
  });
});
