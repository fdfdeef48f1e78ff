import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './db.ts';
import { openTestStore, storeTargets } from './test-support.ts';
import { StoreError } from './errors.ts';
import { sql, type Kysely } from 'kysely';
import { alertSchema } from '@cloudsiem/protocol';
import { alertRow, asciiJson, type StoredAlert } from './columns.ts';
import { migrate } from './migrations.ts';

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
      // Each table read directly: the introspector reads the whole catalogue, where another test
      // dropping its own schema at that moment makes PostgreSQL fail the query.
      for (const table of ['activities', 'alerts', 'siem_agents', 'throughput_minutes'] as const) {
        const rows = await store.db.selectFrom(table).select(sql.lit(1).as('one')).limit(1).execute();
        expect(rows, table).toEqual([]);
      }
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

describe.each(targets)('migration 0007 on $name', (target) => {
  it('maps the free-text alert statuses stored before it onto the triage set, in the column and the record', async () => {
    const store = await openTestStore(target);
    try {
      const stored: [string, string | null][] = [
        ['graph-new', 'new'],
        ['graph-in-progress', 'inProgress'],
        ['graph-resolved', 'resolved'],
        ['mdca-dismissed', 'dismissed'],
        ['no-status', null],
        ['odd', 'Escalated'],
        ['already-closed', 'closed-false-positive'],
      ];
      for (const [id, status] of stored) {
        const record = {
          id,
          timestamp: 1,
          createdAt: 2,
          type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
          policyName: 'Box downloads',
          policyIds: [],
          severity: 'medium',
          description: 'Zürich',
          user: null,
          appName: null,
          appIds: [],
          riskScore: null,
          relatedActivityIds: [],
          ip: null,
          source: 'cloud-apps',
          ...(status === null ? {} : { status }),
        } as StoredAlert;
        await store.db
          .insertInto('alerts')
          .values({ ...alertRow(record), status, data: asciiJson(record) })
          .execute();
      }
      // As if 0007 had not run yet: the rows above are what a store of before it holds.
      await sql`delete from cloudsiem_migrations where name = '0007-alert-triage-statuses'`.execute(store.db);
      expect(await migrate(store.db as unknown as Kysely<unknown>, target.name)).toEqual([
        '0007-alert-triage-statuses',
      ]);

      const rows = await store.db
        .selectFrom('alerts')
        .select(['id', 'status', 'data'])
        .orderBy('seq')
        .execute();
      expect(rows.map((r) => [r.id, r.status])).toEqual([
        ['graph-new', 'open'],
        ['graph-in-progress', 'open'],
        ['graph-resolved', 'closed-benign'],
        ['mdca-dismissed', 'closed-benign'],
        ['no-status', 'open'],
        ['odd', 'open'],
        ['already-closed', 'closed-false-positive'],
      ]);
      for (const row of rows) {
        const record = alertSchema.parse(JSON.parse(row.data));
        expect(record.status).toBe(row.status);
        expect(record.description).toBe('Zürich');
        // Still the store's ASCII-only JSON.
        expect(row.data).toMatch(/^[\x20-\x7e]*$/);
      }
    } finally {
      await store.dispose();
    }
  });
});
