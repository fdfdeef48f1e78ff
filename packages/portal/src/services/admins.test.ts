// Admin sign-in rules that need a clock: sessions expire and are pruned, and password guessing is
// throttled per client address (ten failures, then one more every 6 s) without locking an email out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, storeTargets } from '../store/test-support.ts';
import { DEFAULT_SETTINGS, silentLogger } from '../context.ts';
import { fakeClock } from '../test-support.ts';
import { ApiError } from '../errors.ts';
import { createAdminService } from './admins.ts';

const sqlite = (await storeTargets()).find((t) => t.name === 'sqlite')!;
const PASSWORD = 'a long enough password';

describe('admin sessions and sign-in', () => {
  const clock = fakeClock();
  let store: Awaited<ReturnType<typeof openTestStore>>;
  let admins: ReturnType<typeof createAdminService>;
  beforeAll(async () => {
    store = await openTestStore(sqlite);
    admins = createAdminService({
      store,
      clock,
      logger: silentLogger,
      settings: { ...DEFAULT_SETTINGS, publicUrl: 'http://portal.test', sessionTtlMs: 3600_000 },
    });
    expect(await admins.ensureFirstAdmin(PASSWORD)).toEqual({
      email: 'admin@cloudsiem.local',
      password: PASSWORD,
    });
    expect(await admins.ensureFirstAdmin()).toBeNull();
  });
  afterAll(() => store.dispose());

  it('ends a session after its lifetime, and prunes it', async () => {
    const { sessionId, admin } = await admins.login('ADMIN@cloudsiem.local', PASSWORD, '192.0.2.1');
    expect((await admins.sessionAdmin(sessionId))?.id).toBe(admin.id);
    clock.advance(3600_000);
    expect(await admins.sessionAdmin(sessionId)).toBeNull();
    expect(await admins.pruneSessions()).toBe(1);
  });

  it('throttles guessing per address: ten wrong passwords, then RATE_LIMITED until time passes', async () => {
    const attempt = (email: string, password = 'wrong password!') =>
      admins.login(email, password, '192.0.2.66').catch((e: unknown) => e);
    // Different emails each time: the address is what is counted, so no email is delayed here.
    for (let i = 0; i < 10; i += 1)
      expect(await attempt(`guess${i}@cloudsiem.local`)).toMatchObject({ code: 'LOGIN_FAILED' });
    const limited = (await attempt('admin@cloudsiem.local', PASSWORD)) as ApiError; // even the right one
    expect(limited).toBeInstanceOf(ApiError);
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(limited.retryAfterSeconds).toBeGreaterThan(0);
    // Another address signs in meanwhile.
    expect((await admins.login('admin@cloudsiem.local', PASSWORD, '192.0.2.2')).admin.email).toBe(
      'admin@cloudsiem.local',
    );
    clock.advance((limited.retryAfterSeconds ?? 0) * 1000);
    const again = (await admins.login('admin@cloudsiem.local', PASSWORD, '192.0.2.66')).admin;
    expect(again.email).toBe('admin@cloudsiem.local');
  });
});
