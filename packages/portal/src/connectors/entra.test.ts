// The Entra ID token source against the fake token endpoint (documented behaviour): cached until
// shortly before expiry, fetched once for concurrent callers, refusals named precisely.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEntra, type FakeEntra } from '../../../../test/upstream/entra.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../../test/upstream/server.ts';
import { entraTokenSource } from './entra.ts';
import { createUpstreamHttp } from './http.ts';
import { UpstreamError } from './types.ts';

const TENANT = '6f8a2c1e-1111-4222-8333-944455556666';
const CLIENT = '0b2d5f7e-aaaa-4bbb-8ccc-ddddeeeeffff';
const SCOPE = 'https://graph.microsoft.com/.default';

let upstream: FakeUpstream;
let entra: FakeEntra;
let t = 1_700_000_000_000;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  entra = fakeEntra(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cret~value', scopes: [SCOPE] },
    () => t,
  );
  upstream.mount('/entra', entra.handler);
});
afterAll(() => upstream.close());

const http = () => createUpstreamHttp({ requestsPerMinute: 600, throttleFloorMs: 0, maxRetries: 0 });
const source = (
  overrides: Partial<{ tenantId: string; clientId: string; clientSecret: string; scope: string }> = {},
) =>
  entraTokenSource(http(), {
    authorityUrl: `${upstream.url}/entra`,
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: 's3cret~value',
    scope: SCOPE,
    now: () => t,
    ...overrides,
  });

async function refusal(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('entraTokenSource: contract tests against documented behaviour', () => {
  it('fetches one token for concurrent callers and caches it until five minutes before expiry', async () => {
    const tokens = source();
    const before = entra.issued;
    const [a, b] = await Promise.all([tokens.bearer(), tokens.bearer()]);
    expect(a).toBe(b);
    expect(entra.valid(`Bearer ${a}`, SCOPE)).toBe(true);
    expect(entra.issued - before).toBe(1);
    t += 3599_000 - 5 * 60_000 - 1000;
    expect(await tokens.bearer()).toBe(a);
    t += 2000;
    const c = await tokens.bearer();
    expect(c).not.toBe(a);
    expect(entra.issued - before).toBe(2);
    tokens.invalidate();
    expect(await tokens.bearer()).not.toBe(c);
  });

  it('names a wrong secret, an unknown app, an unknown tenant and a scope not granted', async () => {
    const secret = await refusal(source({ clientSecret: 'wrong' }).bearer());
    expect(secret.kind).toBe('auth');
    expect(secret.status).toBe(401);
    expect(secret.message).toContain('client secret was refused (AADSTS7000215)');
    expect(secret.message).not.toContain('wrong');
    const app = await refusal(source({ clientId: '00000000-0000-4000-8000-000000000000' }).bearer());
    expect(app.message).toContain('was not found in tenant');
    const tenant = await refusal(source({ tenantId: 'nowhere.onmicrosoft.com' }).bearer());
    expect(tenant.message).toContain('tenant nowhere.onmicrosoft.com was not found');
    const scope = await refusal(source({ scope: 'https://manage.office.com/.default' }).bearer());
    expect(scope.kind).toBe('permission');
    expect(scope.message).toContain('AADSTS70011');
  });
});
