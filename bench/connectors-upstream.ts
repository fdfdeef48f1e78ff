// The upstream side of the connectors benchmark, in its own process so its CPU is not the portal's:
// the loopback fakes of test/upstream (Entra ID, MDCA, Graph, O365) and a second "spoke" portal
// behind the same port, on a clock the benchmark sets; every call and record sent is counted here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPortal, type Portal } from '@cloudsiem/portal';
import { fakeEntra, type FakeEntra } from '../test/upstream/entra.ts';
import { fakeGraph, generatedAlert, GRAPH_SCOPE, type FakeGraph } from '../test/upstream/graph.ts';
import { fakeMdca, makeActivities, makeAlert, MDCA_SCOPE, type FakeMdca } from '../test/upstream/mdca.ts';
import { fakeO365, generatedBlob, O365_SCOPE, type FakeO365 } from '../test/upstream/o365.ts';
import { startFakeUpstream, type FakeUpstream, type Handler } from '../test/upstream/server.ts';
import { makeActivities as canonicalActivities } from './records.ts';

export const TENANT = {
  tenantId: '6f8a2c1e-1111-4222-8333-944455556666',
  clientId: '0b2d5f7e-aaaa-4bbb-8ccc-ddddeeeeffff',
  clientSecret: 'bench~secret',
};

/** What the benchmark asks of this process (one message, one answer). */
export type UpstreamCommand =
  | { op: 'start' }
  | { op: 'setNow'; now: number | null }
  | {
      op: 'mdcaActivities';
      count: number;
      start: number;
      stepMs: number;
      firstN: number;
      /** As makeActivities: every n-th saved 4.5 min late, runs sharing one `created`. */
      lateEvery?: number;
      equalRun?: number;
    }
  | { op: 'mdcaAlerts'; count: number; start: number; stepMs: number; firstN: number }
  | { op: 'graphAlerts'; count: number; start: number; stepMs: number; firstN: number }
  | { op: 'o365Blob'; contentType: string; created: number; records: number }
  | { op: 'spokeActivities'; count: number; seed: number }
  | { op: 'stats' }
  | { op: 'reset' };

export interface Started {
  url: string;
  spokeToken: string;
}

/** Calls answered and records sent, by kind of call ("mdca list activities", "token", "o365 blob"). */
export interface UpstreamStats {
  kinds: Record<string, { calls: number; records: number }>;
  /** `upstream.requests.length` of the fake server: every request, whatever its kind. */
  requests: number;
  /** Records the fake MDCA holds (stays in step with what the benchmark pushed). */
  mdcaActivities: number;
}

function kindOf(path: string): string {
  if (path.startsWith('/entra/')) return 'token';
  const mdca = /^\/mdca\/api\/v1\/(activities|alerts)/.exec(path);
  if (mdca !== null) return `mdca list ${mdca[1]}`;
  if (path.startsWith('/graph/')) return 'graph list';
  if (path.startsWith('/o365/')) {
    if (path.includes('/subscriptions/content')) return 'o365 list';
    if (path.includes('/audit/')) return 'o365 blob';
    return 'o365 subscriptions';
  }
  const spoke = /^\/spoke\/api\/v1\/(activities|alerts)/.exec(path);
  if (spoke !== null) return `cloudsiem list ${spoke[1]}`;
  return 'other';
}

/** Records in an answer: MDCA's and the portal's `data`, Graph's `value`, an O365 blob's array. */
function recordsIn(kind: string, value: unknown): number {
  if (kind === 'o365 blob') return Array.isArray(value) ? value.length : 0;
  if (kind === 'token' || kind === 'o365 list' || typeof value !== 'object' || value === null) return 0;
  const body = value as { data?: unknown; value?: unknown };
  const list = body.data ?? body.value;
  return Array.isArray(list) ? list.length : 0;
}

function main(): void {
  let fixed: number | null = null;
  const now = () => fixed ?? Date.now();
  const kinds: UpstreamStats['kinds'] = {};
  const count = (kind: string, records: number) => {
    const k = (kinds[kind] ??= { calls: 0, records: 0 });
    k.calls++;
    k.records += records;
  };
  /** Counts each call the handler answers, and the records in its JSON answer. */
  const counted =
    (handler: Handler): Handler =>
    (call) => {
      const kind = kindOf(call.url.pathname);
      let records = 0;
      const json: typeof call.json = (status, value, headers) => {
        if (status === 200) records = recordsIn(kind, value);
        call.json(status, value, headers);
      };
      const answer = handler({ ...call, json });
      const settle = (handled: void | boolean) => {
        if (handled !== false) count(kind, records);
        return handled;
      };
      return answer instanceof Promise ? answer.then(settle) : settle(answer);
    };

  let upstream: FakeUpstream | null = null;
  let entra: FakeEntra | null = null;
  let mdca: FakeMdca | null = null;
  let graph: FakeGraph | null = null;
  let o365: FakeO365 | null = null;
  let spoke: Portal | null = null;
  let spokeDir: string | null = null;

  async function start(): Promise<Started> {
    upstream = await startFakeUpstream();
    entra = fakeEntra({ ...TENANT, scopes: [MDCA_SCOPE, GRAPH_SCOPE, O365_SCOPE] }, now);
    // The fake's 30 calls a minute would end a drain at full speed: the bench measures the
    // connector, and its own bucket keeps to the budget (the backlog scenario checks that).
    mdca = fakeMdca({ entra, requestsPerMinute: 1e9, now });
    // Graph picks its page size; 100 is the largest $top alerts_v2 documents for this list.
    graph = fakeGraph({ entra, prefix: '/graph', defaultTop: 100 });
    o365 = fakeO365({ entra, prefix: '/o365', tenantId: TENANT.tenantId, now, pageSize: 100 });
    upstream.mount('/entra', counted(entra.handler));
    upstream.mount('/mdca', counted(mdca.handler));
    upstream.mount('/graph', counted(graph.handler));
    upstream.mount('/o365', counted(o365.handler));

    spokeDir = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-spoke-'));
    spoke = await startPortal({
      databaseUrl: `sqlite:${join(spokeDir, 'portal.db')}`,
      port: 0,
      clock: { now },
      builtinPolicies: false,
      settings: { pullRatePerSecond: 1e6, pullBurst: 1e6 },
    });
    const admin = (await spoke.services.admins.list())[0];
    if (admin === undefined) throw new Error('the spoke has no admin');
    const { token } = await spoke.services.admins.createApiToken(admin.id, 'bench hub');
    const spokeUrl = spoke.url;
    // The spoke answers behind the fake's port, so its calls are counted like every upstream's.
    upstream.mount(
      '/spoke',
      counted(async ({ req, url, body, json }) => {
        const response = await fetch(`${spokeUrl}${url.pathname.slice('/spoke'.length)}${url.search}`, {
          method: req.method ?? 'GET',
          headers: {
            authorization: String(req.headers.authorization ?? ''),
            'content-type': String(req.headers['content-type'] ?? 'application/json'),
          },
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        });
        json(response.status, JSON.parse(await response.text()) as unknown);
      }),
    );
    return { url: upstream.url, spokeToken: token };
  }

  async function handle(command: UpstreamCommand): Promise<unknown> {
    switch (command.op) {
      case 'start':
        return start();
      case 'setNow':
        fixed = command.now;
        return null;
      case 'mdcaActivities':
        mdca?.activities.push(
          ...makeActivities(command.count, {
            start: command.start,
            stepMs: command.stepMs,
            firstN: command.firstN,
            ...(command.lateEvery === undefined ? {} : { lateEvery: command.lateEvery }),
            ...(command.equalRun === undefined ? {} : { equalRun: command.equalRun }),
          }),
        );
        return mdca?.activities.length ?? 0;
      case 'mdcaAlerts':
        for (let i = 0; i < command.count; i++)
          mdca?.alerts.push(makeAlert(command.firstN + i, command.start + i * command.stepMs, i % 4));
        return null;
      case 'graphAlerts':
        for (let i = 0; i < command.count; i++)
          graph?.alerts.push(
            generatedAlert(command.firstN + i, { createdAt: command.start + i * command.stepMs }),
          );
        return null;
      case 'o365Blob':
        o365?.blobs.push(generatedBlob(command.contentType, command.created, command.records));
        return null;
      case 'spokeActivities': {
        const records = canonicalActivities(command.count, command.seed).map(({ createdAt: _c, ...r }) => r);
        for (let i = 0; i < records.length; i += 1000)
          await spoke?.services.events.ingestActivities(records.slice(i, i + 1000));
        return null;
      }
      case 'stats':
        return {
          kinds,
          requests: upstream?.requests.length ?? 0,
          mdcaActivities: mdca?.activities.length ?? 0,
        } satisfies UpstreamStats;
      case 'reset':
        for (const key of Object.keys(kinds)) delete kinds[key];
        upstream?.requests.splice(0);
        if (mdca !== null) {
          mdca.activities.splice(0);
          mdca.alerts.splice(0);
        }
        graph?.alerts.splice(0);
        o365?.blobs.splice(0);
        return null;
    }
  }

  process.on('message', (message: { id: number; command: UpstreamCommand }) => {
    handle(message.command).then(
      (result) => process.send?.({ id: message.id, result }),
      (error: unknown) =>
        process.send?.({ id: message.id, error: error instanceof Error ? error.stack : String(error) }),
    );
  });
  process.on('disconnect', () => {
    void (async () => {
      await spoke?.close();
      await upstream?.close();
      if (spokeDir !== null) rmSync(spokeDir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
  process.send?.({ id: 0, result: 'ready' });
}

if (process.send !== undefined && process.argv[2] === 'child') main();
