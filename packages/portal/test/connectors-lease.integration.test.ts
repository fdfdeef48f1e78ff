// Exactly one portal pulls a connector (DESIGN §9): portals sharing one PostgreSQL all run the
// scheduler on the same connector; every upstream id is stored once and none is missing, one
// portal holds the lease, a portal that dies mid-drain is taken over once its lease expires
// (the survivor resumes from the last committed checkpoint), and one that closes hands over at once.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startPortal, type Portal, type PortalOptions } from '../src/server.ts';
import { fakeClock, startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';
import {
  fakeConnector,
  fakeConnectorInput,
  fakeRecords,
  fakeUpstream,
} from '../src/connectors/test-support.ts';
import type { Logger } from '../src/context.ts';

const postgres = (await storeTargets()).find((t) => t.name === 'postgres');
const LEASE_MS = 30_000;

function pollLog(): Logger & { stored: number; duplicates: number; count(obj: object, msg: string): void } {
  const log = {
    stored: 0,
    duplicates: 0,
    info(obj: object, msg: string) {
      log.count(obj, msg);
    },
    warn(obj: object, msg: string) {
      log.count(obj, msg);
    },
    /** The poll lines: finished, or stopped (by a failure, or the portal dying) after some pages. */
    count(obj: object, msg: string) {
      if (msg !== 'Connector poll' && msg !== 'Connector poll stopped') return;
      const o = obj as { stored: number; duplicates: number };
      log.stored += o.stored;
      log.duplicates += o.duplicates;
    },
    error(obj: object, msg: string) {
      console.error(msg, obj);
    },
  };
  return log;
}

async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await condition()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(postgres === undefined)('connector lease across portals sharing PostgreSQL', () => {
  const clock = fakeClock();
  const key = randomBytes(32);
  const upstream = fakeUpstream([], 7);
  // Each page waits a little so the portals' passes interleave with the drain.
  upstream.before = () => sleep(2);
  const extra: Portal[] = [];
  let first: TestPortal;
  const logs: ReturnType<typeof pollLog>[] = [];

  function portalOptions(): Partial<PortalOptions> {
    const logger = pollLog();
    logs.push(logger);
    return {
      logger,
      secretKey: key,
      connectorDefinitions: { cloudsiem: fakeConnector(upstream) },
      connectorScheduler: { tickMs: 20, leaseMs: LEASE_MS, renewMs: 10_000 },
    };
  }

  async function another(): Promise<Portal> {
    const portal = await startPortal({
      databaseUrl: first.databaseUrl,
      port: 0,
      clock,
      builtinPolicies: false,
      ...portalOptions(),
    });
    extra.push(portal);
    return portal;
  }

  afterAll(async () => {
    for (const p of extra) await p.close();
    await first?.close();
  });

  it('stores every id once with one lease holder, and hands over when the holder dies or closes', async () => {
    // The first portal only serves the API (and owns the schema); the others pull.
    first = await startTestPortal(postgres!, {
      clock,
      portal: { secretKey: key, connectorScheduler: { enabled: false } },
    });
    const portals = [await another(), await another()];
    const db = first.portal.context.store.db;
    const count = async () =>
      Number(
        (
          await db
            .selectFrom('activities')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const leaseOwner = async () =>
      (await db.selectFrom('connectors').select('lease_owner').executeTakeFirstOrThrow()).lease_owner;

    // 300 records, runs of equal times across pages, before the connector exists.
    upstream.records.push(...fakeRecords('a', 300, (i) => 1_000_000 + Math.floor(i / 4)));
    const created = await first.api('POST', '/api/v1/connectors', { body: fakeConnectorInput() });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await until('300 records', async () => (await count()) === 300);

    const holders = portals.filter((p) => p.scheduler!.held().includes(id));
    expect(holders).toHaveLength(1);
    const holder = holders[0]!;
    const other = portals.find((p) => p !== holder)!;
    expect(await leaseOwner()).toBe(holder.scheduler!.owner);
    expect(logs.reduce((n, l) => n + l.stored, 0)).toBe(300);
    expect(logs.reduce((n, l) => n + l.duplicates, 0)).toBe(0);

    // The holder dies in the middle of a drain: its second page of the new records never comes.
    upstream.records.push(...fakeRecords('b', 100, (i) => 2_000_000 + Math.floor(i / 3)));
    let blockedResolve: () => void = () => {};
    const blocked = new Promise<void>((resolve) => (blockedResolve = resolve));
    const blockAt = upstream.served.length + 2;
    upstream.before = async (call, signal) => {
      await sleep(2);
      if (call !== blockAt) return;
      blockedResolve();
      await new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new Error('the portal died')), { once: true }),
      );
    };
    const sync = await fetch(`${holder.url}/api/v1/connectors/${id}/sync`, {
      method: 'POST',
      headers: { authorization: `Token ${first.adminToken}` },
    });
    expect(sync.status).toBe(200);
    await blocked;
    await holder.scheduler!.stop({ release: false });
    expect(await count()).toBe(307);

    // Its lease still runs: the other portal waits…
    await other.scheduler!.tick();
    expect(other.scheduler!.held()).toEqual([]);
    // …and takes over once it expired (well within a minute), from the committed checkpoint.
    upstream.before = () => sleep(2);
    clock.advance(LEASE_MS + 1);
    await until('400 records', async () => (await count()) === 400);
    expect(await leaseOwner()).toBe(other.scheduler!.owner);
    expect(upstream.served[blockAt]).toEqual(upstream.served[blockAt - 1]);

    // A portal that closes gives its lease up: a third takes over at once, with no clock moved.
    const third = await another();
    await third.scheduler!.tick();
    expect(third.scheduler!.held()).toEqual([]);
    extra.splice(extra.indexOf(other), 1);
    await other.close();
    upstream.records.push(...fakeRecords('c', 50, (i) => 3_000_000 + i));
    const again = await fetch(`${third.url}/api/v1/connectors/${id}/sync`, {
      method: 'POST',
      headers: { authorization: `Token ${first.adminToken}` },
    });
    expect(again.status).toBe(200);
    await until('450 records', async () => (await count()) === 450);
    expect(await leaseOwner()).toBe(third.scheduler!.owner);
    expect(logs.reduce((n, l) => n + l.stored, 0)).toBe(450);

    const ids = await db.selectFrom('activities').select('id').execute();
    expect(new Set(ids.map((r) => r.id))).toEqual(new Set(upstream.records.map((r) => r.id)));
    const connector = await first.api('GET', `/api/v1/connectors/${id}`);
    expect(connector.body).toMatchObject({ recordsStored: 450, status: 'Connected' });
  });
});
