// Sign-in throttling through HTTP (issue 10, finding 7), clients on distinct loopback addresses:
// one address guessing is refused with 429 and Retry-After, whatever emails it tries, while the
// admin it guessed at still signs in from another address (after at most LOGIN_DELAY_MAX_MS).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';
import { ADDRESS_FAILURES_MAX } from '../src/auth/login-throttle.ts';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  code: string | undefined;
}

/** POST /api/v1/auth/login from `localAddress` (Linux routes all of 127.0.0.0/8 to loopback). */
function signIn(url: string, localAddress: string, email: string, password: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/v1/auth/login`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          const body = JSON.parse(text) as { error?: { code?: string } };
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            code: body.error?.code,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ email, password }));
  });
}

describe.each((await storeTargets()).filter((t) => t.name === 'sqlite'))(
  'sign-in throttling on $name',
  (target) => {
    let t: TestPortal;
    beforeAll(async () => {
      t = await startTestPortal(target);
    });
    afterAll(() => t.close());

    it('slows one address guessing many emails with 429 and Retry-After', async () => {
      for (let i = 0; i < ADDRESS_FAILURES_MAX; i += 1) {
        const answer = await signIn(t.url, '127.0.0.4', `guess${i}@contoso.com`, 'wrong password!');
        expect(answer.status, `attempt ${i + 1}`).toBe(401);
      }
      const refused = await signIn(t.url, '127.0.0.4', 'guess-next@contoso.com', 'wrong password!');
      expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      // Even the right password waits out the address's refusal.
      const right = await signIn(t.url, '127.0.0.4', 'admin@cloudsiem.local', t.password);
      expect(right.status).toBe(429);
    });

    it('does not lock the admin out: after a guessing run on their email, the right password signs in from elsewhere', async () => {
      for (let i = 0; i < ADDRESS_FAILURES_MAX + 5; i += 1) {
        const answer = await signIn(t.url, '127.0.0.2', 'admin@cloudsiem.local', 'wrong password!');
        expect(answer.status, `attempt ${i + 1}`).toBe(i < ADDRESS_FAILURES_MAX ? 401 : 429);
      }
      const admin = await signIn(t.url, '127.0.0.3', 'admin@cloudsiem.local', t.password);
      expect(admin.status).toBe(200);
    });
  },
);
