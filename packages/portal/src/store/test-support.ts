// Test helpers: the stores every store-backed test runs against — SQLite always, PostgreSQL when
// one answers (CLOUDSIEM_TEST_PG, default 127.0.0.1:5432/test). Locally a missing PostgreSQL
// skips with a printed reason; under CI=true it fails. Each test store lives in its own schema.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from './db.ts';

export const TEST_PG_URL = process.env.CLOUDSIEM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** A URL for a fresh, empty store (a new file or a new schema each call). */
  freshUrl(): string;
}

/** null when PostgreSQL answers at TEST_PG_URL, else why not. */
export async function postgresAnswers(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let cached: Promise<StoreTarget[]> | undefined;

/** SQLite, plus PostgreSQL when reachable. Use with top-level await and describe.each. */
export function storeTargets(): Promise<StoreTarget[]> {
  cached ??= (async () => {
    const targets: StoreTarget[] = [
      {
        name: 'sqlite',
        freshUrl: () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'cloudsiem-test-')), 'portal.db')}`,
      },
    ];
    const problem = await postgresAnswers();
    if (problem === null) {
      targets.push({
        name: 'postgres',
        freshUrl: () => `${TEST_PG_URL}?schema=t_${randomBytes(6).toString('hex')}`,
      });
    } else {
      const reason = `PostgreSQL at ${TEST_PG_URL} does not answer (${problem})`;
      if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
      console.warn(`SKIP: PostgreSQL variants of the store tests: ${reason}`);
    }
    return targets;
  })();
  return cached;
}

/** Opens a fresh store; `dispose` closes it and removes its file or schema. */
export async function openTestStore(
  target: StoreTarget,
): Promise<Store & { url: string; dispose(): Promise<void> }> {
  const url = target.freshUrl();
  const store = await openStore(url);
  return {
    ...store,
    url,
    dispose: async () => {
      await store.close();
      await dropTestStore(url);
    },
  };
}

/** Removes what a fresh URL created: the SQLite file's folder, or the PostgreSQL schema. */
export async function dropTestStore(url: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    rmSync(join(path, '..'), { recursive: true, force: true });
    return;
  }
  const schema = new URL(url).searchParams.get('schema');
  if (schema === null) return;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
