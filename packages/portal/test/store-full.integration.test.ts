// A full disk (issue 10 B): on SQLite in a real, small tmpfs (when this machine lets the test
// mount one) and with `PRAGMA max_page_count` (which raises the same SQLITE_FULL, everywhere),
// ingest until the store is full → 503 STORE_FULL with Retry-After, /healthz degraded; free the
// space → the next ingest succeeds without a restart, every acknowledged record is there, and
// `PRAGMA integrity_check` says ok.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { startPortal, type Portal } from '../src/server.ts';
import { activityRecords } from '../src/test-support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Mounts a tmpfs of `sizeBytes` on a new folder; null (with the reason printed) when not permitted. */
function smallFilesystem(sizeBytes: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.warn(`SKIP: the tmpfs variant of the full-disk test: mount is not permitted here (${reason})`);
    return null;
  }
  cleanups.push(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

async function portalOn(databaseUrl: string): Promise<{ portal: Portal; token: string }> {
  const portal = await startPortal({
    databaseUrl,
    port: 0,
    firstAdminPassword: 'a long enough password',
    builtinPolicies: false,
    // A 500 prints why, so a failing run says which error was not recognised.
    logger: { info() {}, warn() {}, error: (obj, msg) => console.error(msg, obj) },
  });
  cleanups.push(() => portal.close());
  const admin = (await portal.services.admins.list())[0]!;
  return { portal, token: (await portal.services.admins.createApiToken(admin.id, 'full')).token };
}

/** Ingests batches until one answers 503; returns the ids acknowledged and that answer. */
async function fillUp(portal: Portal, token: string, acked: Set<string>, prefix: string) {
  for (let batch = 0; batch < 2000; batch += 1) {
    const records = activityRecords(`${prefix}-${batch}`, 50, Date.now(), () => ({
      description: 'x'.repeat(2000),
    }));
    const answer = await fetch(`${portal.url}/api/v1/ingest/activities`, {
      method: 'POST',
      headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(records),
    });
    if (answer.status === 200) {
      for (const r of records) acked.add(r.id);
      continue;
    }
    return { status: answer.status, headers: answer.headers, body: await answer.json() };
  }
  throw new Error('the store never filled up');
}

async function health(portal: Portal) {
  const answer = await fetch(`${portal.url}/healthz`);
  return { status: answer.status, body: await answer.json() };
}

async function expectAllThere(portal: Portal, acked: Set<string>) {
  const stored = await portal.context.store.db.selectFrom('activities').select('id').execute();
  const ids = new Set(stored.map((r) => r.id));
  expect([...acked].filter((id) => !ids.has(id))).toEqual([]);
  const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(
    portal.context.store.db,
  );
  expect(integrity.rows).toEqual([{ integrity_check: 'ok' }]);
}

async function ingestOnce(portal: Portal, token: string, prefix: string, acked: Set<string>) {
  const records = activityRecords(prefix, 5, Date.now());
  const answer = await fetch(`${portal.url}/api/v1/ingest/activities`, {
    method: 'POST',
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  if (answer.status === 200) for (const r of records) acked.add(r.id);
  return answer.status;
}

describe('a full disk on SQLite', () => {
  it('answers 503 STORE_FULL in a full tmpfs, and recovers once space is freed', async () => {
    const dir = smallFilesystem(4 * 1024 * 1024);
    if (dir === null) return;
    mkdirSync(join(dir, 'db'));
    const { portal, token } = await portalOn(`sqlite:${join(dir, 'db', 'portal.db')}`);
    // Leave the database a little room: most of the filesystem goes to a file to delete later.
    const filler = join(dir, 'filler');
    writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024));
    const acked = new Set<string>();
    const full = await fillUp(portal, token, acked, 'tmpfs');
    console.log(`tmpfs of 4 MiB: ${acked.size} records stored before the disk was full`);
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ error: { code: 'STORE_FULL' } });
    expect(full.headers.get('retry-after')).toBe('30');
    expect(await health(portal)).toEqual({ status: 503, body: { status: 'degraded', store: 'full' } });
    expect(acked.size).toBeGreaterThan(0);

    rmSync(filler);
    expect(await ingestOnce(portal, token, 'after-free', acked)).toBe(200);
    expect(await health(portal)).toEqual({ status: 200, body: { status: 'ok', store: 'ok' } });
    await expectAllThere(portal, acked);
  });

  it('answers 503 STORE_FULL at max_page_count, and recovers when the limit is raised', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-full-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { portal, token } = await portalOn(`sqlite:${join(dir, 'portal.db')}`);
    const { db } = portal.context.store;
    const pages = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    // The portal's one SQLite connection: the limit applies to every request it serves.
    await sql.raw(`pragma max_page_count = ${pages.rows[0]!.page_count + 300}`).execute(db);
    const acked = new Set<string>();
    const full = await fillUp(portal, token, acked, 'pages');
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ error: { code: 'STORE_FULL' } });
    expect(full.headers.get('retry-after')).toBe('30');
    expect(await health(portal)).toEqual({ status: 503, body: { status: 'degraded', store: 'full' } });

    await sql.raw('pragma max_page_count = 1073741823').execute(db);
    expect(await ingestOnce(portal, token, 'after-raise', acked)).toBe(200);
    expect(await health(portal)).toEqual({ status: 200, body: { status: 'ok', store: 'ok' } });
    await expectAllThere(portal, acked);
  });
});
