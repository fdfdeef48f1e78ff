// The last-admin guard under real concurrency (issue 10 D, finding 5): many removals at once,
// through two portals' stores sharing one PostgreSQL database (two connection pools), always leave
// at least one admin; the ones refused answer CONFLICT. On SQLite, through one store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, silentLogger } from '../src/context.ts';
import { ApiError } from '../src/errors.ts';
import { createAdminService, type AdminService } from '../src/services/admins.ts';
import { openStore, type Store } from '../src/store/db.ts';
import { openTestStore, storeTargets } from '../src/store/test-support.ts';
import { fakeClock } from '../src/test-support.ts';

const ROUNDS = 3;
const ADMINS = 6;

describe.each(await storeTargets())('removing admins concurrently on $name', (target) => {
  let main: Awaited<ReturnType<typeof openTestStore>>;
  let second: Store;
  let services: AdminService[];
  beforeAll(async () => {
    main = await openTestStore(target);
    second = target.name === 'postgres' ? await openStore(main.url) : main;
    const settings = { ...DEFAULT_SETTINGS, publicUrl: 'http://portal.test' };
    services = [main, second].map((store) =>
      createAdminService({ store, clock: fakeClock(), logger: silentLogger, settings }),
    );
  });
  afterAll(async () => {
    if (second !== main) await second.close();
    await main.dispose();
  });

  it(`never leaves zero admins (${ROUNDS} rounds of ${ADMINS} admins, each removed twice at once)`, async () => {
    const [a, b] = services as [AdminService, AdminService];
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let i = (await a.list()).length; i < ADMINS; i += 1) {
        await a.create({
          email: `r${round}-${i}@contoso.com`,
          name: `Admin ${i}`,
          password: 'long enough pw',
        });
      }
      const ids = (await a.list()).map((admin) => admin.id);
      expect(ids).toHaveLength(ADMINS);
      const outcomes = await Promise.allSettled(ids.flatMap((id) => [a.remove(id), b.remove(id)]));
      const left = await a.list();
      expect(left.length, `round ${round}`).toBe(1);
      const refused = outcomes
        .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
        .map((o) => (o.reason instanceof ApiError ? o.reason.code : String(o.reason)));
      // Each admin is removed once: the twin removal finds it gone, and the last one is refused.
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(ADMINS - 1);
      expect(new Set(refused)).toEqual(new Set(['NOT_FOUND', 'CONFLICT']));
      expect(refused.filter((code) => code === 'CONFLICT').length).toBeGreaterThanOrEqual(1);
    }
  });
});
