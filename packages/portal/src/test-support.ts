// Test helpers: a real portal on a free loopback port over a fresh store (SQLite or PostgreSQL),
// a fake clock, an admin API token, a small fetch wrapper, and activity records to ingest.
import { startPortal, type Portal, type PortalOptions } from './server.ts';
import { openTestStore, dropTestStore, type StoreTarget } from './store/test-support.ts';
import type { Clock, Logger, PortalSettings } from './context.ts';

export {
  storeTargets,
  openTestStore,
  dropTestStore,
  postgresAnswers,
  type StoreTarget,
} from './store/test-support.ts';

export interface FakeClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function fakeClock(start = Date.UTC(2026, 10, 28, 12, 0, 0)): FakeClock {
  let now = start;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

export interface TestPortal {
  portal: Portal;
  url: string;
  /** The store's URL: a second portal may share it. */
  databaseUrl: string;
  clock: FakeClock;
  /** An admin API token of the first admin. */
  adminToken: string;
  adminId: string;
  password: string;
  api(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read whatever came back
  text: string;
}

export async function startTestPortal(
  target: StoreTarget,
  options: {
    clock?: FakeClock;
    settings?: Partial<Omit<PortalSettings, 'publicUrl'>>;
    /** Replaces the default logger (which prints errors only). */
    logger?: Logger;
    /** More portal options (a secret key, connector types, scheduler timing). */
    portal?: Partial<PortalOptions>;
  } = {},
): Promise<TestPortal> {
  const fresh = await openTestStore(target);
  await fresh.close();
  const clock = options.clock ?? fakeClock();
  const password = 'correct horse battery staple';
  const portal = await startPortal({
    databaseUrl: fresh.url,
    port: 0,
    clock,
    // Unexpected errors (500s) print, so a failing test says why.
    logger: options.logger ?? { info() {}, warn() {}, error: (obj, msg) => console.error(msg, obj) },
    firstAdminPassword: password,
    // Tests create the policies they need.
    builtinPolicies: false,
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...options.portal,
  });
  const admin = (await portal.services.admins.list())[0];
  if (admin === undefined) throw new Error('no first admin');
  const { token } = await portal.services.admins.createApiToken(admin.id, 'tests');
  const api: TestPortal['api'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const presented = opts.token === undefined ? token : opts.token;
    if (presented !== null) headers.authorization = `Token ${presented}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${portal.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    portal,
    url: portal.url,
    databaseUrl: fresh.url,
    clock,
    adminToken: token,
    adminId: admin.id,
    password,
    api,
    close: async () => {
      await portal.close();
      await dropTestStore(fresh.url);
    },
  };
}

/**
 * `n` login activities `prefix-0` … `prefix-(n-1)` by `prefix@contoso.com` at `timestamp`, as the
 * ingest API takes them; `fields(i)` adds to or replaces fields of record `i`.
 */
export function activityRecords(
  prefix: string,
  n: number,
  timestamp: number,
  fields: (i: number) => Record<string, unknown> = () => ({}),
): ({ id: string } & Record<string, unknown>)[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    timestamp,
    category: 'EVENT_CATEGORY_LOGIN',
    action: 'Log on',
    user: `${prefix}@contoso.com`,
    ...fields(i),
  }));
}
