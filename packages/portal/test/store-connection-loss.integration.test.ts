// Connections lost under the portal (issue 10 A, the cheap case): on the shared PostgreSQL, only
// this test's own connections (its application_name) are ended with pg_terminate_backend, idle
// and mid-load. The portal answers 200 or 503 STORE_UNAVAILABLE, never 500 and never an
// unhandled 'error' event; a read or BEGIN that hit a dead connection is retried on a fresh one,
// and every acknowledged record is stored.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortal, type Portal } from '../src/server.ts';
import { dropTestStore, storeTargets, TEST_PG_URL } from '../src/store/test-support.ts';
import { activityRecords } from '../src/test-support.ts';

const postgres = (await storeTargets()).find((t) => t.name === 'postgres');

describe.skipIf(postgres === undefined)('lost PostgreSQL connections', () => {
  const applicationName = `cs_loss_${randomBytes(4).toString('hex')}`;
  let url: string;
  let portal: Portal;
  let token: string;
  const warnings: string[] = [];
  const errors: string[] = [];
  const admin = new pg.Client({ connectionString: TEST_PG_URL });

  beforeAll(async () => {
    url = `${postgres!.freshUrl()}&application_name=${applicationName}`;
    portal = await startPortal({
      databaseUrl: url,
      port: 0,
      firstAdminPassword: 'a long enough password',
      builtinPolicies: false,
      logger: {
        info() {},
        warn: (_obj, msg) => warnings.push(msg),
        error: (obj, msg) => errors.push(`${msg} ${JSON.stringify(obj)}`),
      },
    });
    const first = (await portal.services.admins.list())[0]!;
    token = (await portal.services.admins.createApiToken(first.id, 'loss')).token;
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await portal.close();
    await dropTestStore(url);
  });

  /** Ends every connection of this test's portal, and only those. */
  async function terminate(): Promise<number> {
    const ended = await admin.query<{ n: number }>(
      'select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1) t',
      [applicationName],
    );
    return ended.rows[0]!.n;
  }

  const ingest = (records: unknown[]) =>
    fetch(`${portal.url}/api/v1/ingest/activities`, {
      method: 'POST',
      headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(records),
    });

  it('serves the next requests after its idle connections were terminated', async () => {
    expect((await ingest(activityRecords('idle', 5, Date.now()))).status).toBe(200);
    expect(await terminate()).toBeGreaterThan(0);
    const list = await fetch(`${portal.url}/api/v1/activities`, {
      method: 'POST',
      headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { total: number }).total).toBe(5);
    expect((await ingest(activityRecords('after', 5, Date.now()))).status).toBe(200);
  });

  it('answers 200 or 503 STORE_UNAVAILABLE while connections are terminated under load, and keeps what it acknowledged', async () => {
    const acked: string[] = [];
    const answers: Record<string, number> = {};
    let running = true;
    const load = async (worker: number) => {
      for (let round = 0; running; round += 1) {
        const records = activityRecords(`load-${worker}-${round}`, 10, Date.now());
        const answer = await ingest(records);
        const body = (await answer.json()) as { error?: { code: string } };
        const key = `${answer.status} ${body.error?.code ?? ''}`.trim();
        answers[key] = (answers[key] ?? 0) + 1;
        if (answer.status === 200) acked.push(...records.map((r) => r.id));
      }
    };
    const workers = [0, 1, 2, 3].map(load);
    let terminated = 0;
    for (let i = 0; i < 10; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      terminated += await terminate();
    }
    running = false;
    await Promise.all(workers);
    console.log(`pg_terminate_backend: ${terminated} connections ended; answers ${JSON.stringify(answers)}`);
    expect(terminated).toBeGreaterThan(0);
    expect(Object.keys(answers).every((k) => k === '200' || k === '503 STORE_UNAVAILABLE')).toBe(true);
    expect(answers['200']).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    const check = new pg.Client({ connectionString: TEST_PG_URL });
    await check.connect();
    const schema = new URL(url).searchParams.get('schema')!;
    const stored = new Set(
      (await check.query<{ id: string }>(`select id from "${schema}".activities`)).rows.map((r) => r.id),
    );
    await check.end();
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    // And it is healthy again by itself.
    const health = await fetch(`${portal.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', store: 'ok' });
  });
});
