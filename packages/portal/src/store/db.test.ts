import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './db.ts';
import { openTestStore, storeTargets } from './test-support.ts';
import { StoreError } from './errors.ts';

describe('parseDatabaseUrl', () => {
  it('reads sqlite paths and postgres URLs, hiding the password', () => {
    expect(parseDatabaseUrl('sqlite:./data/x.db')).toMatchObject({
      dialect: 'sqlite',
      target: './data/x.db',
    });
    expect(parseDatabaseUrl('sqlite:///var/lib/x.db')).toMatchObject({ target: '/var/lib/x.db' });
    const pgUrl = parseDatabaseUrl('postgres://u:secret@db:5432/cs?schema=portal_a');
    expect(pgUrl).toMatchObject({ dialect: 'postgres', schema: 'portal_a' });
    expect(pgUrl.target).not.toContain('schema=');
    expect(pgUrl.displayUrl).not.toContain('secret');
  });

  it.each(['mysql://x', 'sqlite:', 'postgres://x/y?schema=Bad-Name', 'postgres://[bad'])(
    'rejects %s',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow(StoreError);
    },
  );
});

const targets = await storeTargets();

describe.each(targets)('openStore on $name', (target) => {
  it('migrates a fresh database, and opening it again is a no-op', async () => {
    const store = await openTestStore(target);
    try {
      const tables = await store.db.introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['activities', 'alerts', 'siem_agents']),
      );
      const again = await import('./db.ts').then((m) => m.openStore(store.url));
      await again.close();
    } finally {
      await store.dispose();
    }
  });
});

it('fails with STORE_UNAVAILABLE and no password when PostgreSQL cannot be reached', async () => {
  const { openStore } = await import('./db.ts');
  const error = await openStore('postgres://someone:hunter2@127.0.0.1:1/none').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe('STORE_UNAVAILABLE');
  expect((error as StoreError).message).not.toContain('hunter2');
});
