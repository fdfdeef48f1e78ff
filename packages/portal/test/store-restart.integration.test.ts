// The portal survives its database (issue 10 A): a real `cloudsiem portal` process on its own
// throwaway PostgreSQL, restarted with `pg_ctl stop -m immediate` while idle and under ingest and
// agent pulls, and once by SIGKILL of the postmaster. The process stays up, answers 503
// STORE_UNAVAILABLE with Retry-After meanwhile, /healthz says degraded, and afterwards it serves
// again by itself with every acknowledged record stored and delivered.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  postgresBinariesOrSkip,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../src/store/throwaway-postgres.ts';

const BIN = resolve(import.meta.dirname, '../../cli/bin/cloudsiem.js');
const PASSWORD = 'restart test password';
const bin = postgresBinariesOrSkip();

/** What the test saw so far, for a timeout's message. */
let state = () => '';

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${state()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(bin === undefined)('the portal on a PostgreSQL that restarts', () => {
  let db: ThrowawayPostgres | undefined;
  let child: ChildProcessWithoutNullStreams | undefined;
  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await db?.destroy();
  });

  it('stays up, answers 503 STORE_UNAVAILABLE while it is down, and loses nothing', async () => {
    db = await startThrowawayPostgres(bin!);
    const output = { out: '', err: '' };
    child = spawn(process.execPath, [BIN, 'portal', '--port', '0', '--database', db.url], {
      env: { ...process.env, CLOUDSIEM_ADMIN_PASSWORD: PASSWORD },
    });
    child.stdout.on('data', (chunk: Buffer) => (output.out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output.err += chunk.toString('utf8')));
    const exited = new Promise<number | null>((done) => child!.on('exit', (code) => done(code)));
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    await until('the portal to listen', () => /listening on (\S+)/.test(output.out));
    const url = /listening on (\S+)/.exec(output.out)![1]!;
    const alive = () => {
      if (exitCode !== undefined)
        throw new Error(`the portal exited (${exitCode}): ${output.err.slice(-2000)}`);
    };

    // Sign in, make an admin API token and an agent.
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@cloudsiem.local', password: PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const made = await fetch(`${url}/api/v1/admin-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ name: 'restart test' }),
    });
    const adminToken = ((await made.json()) as { token: string }).token;
    const admin = { authorization: `Token ${adminToken}`, 'content-type': 'application/json' };
    const agent = await fetch(`${url}/api/v1/siem-agents`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'restart', syslog: { host: 'siem.example.com', port: 514 } }),
    });
    const agentToken = ((await agent.json()) as { token: string }).token;

    const acked = new Set<string>();
    const delivered = new Set<string>();
    const unexpected: string[] = [];
    const outage = { ingest503: 0, pull503: 0, health503: 0, badRetryAfter: 0 };
    let cursor: string | undefined;
    let sent = 0;
    let running = true;

    state = () =>
      `; sent ${sent}, acknowledged ${acked.size}, delivered ${delivered.size}, ${JSON.stringify(outage)}; portal stderr: ${output.err.slice(-1500)} stdout: ${output.out.slice(-1500)}`;
    const note503 = async (answer: Response, counter: 'ingest503' | 'pull503') => {
      const body = (await answer.json()) as { error: { code: string } };
      if (body.error.code !== 'STORE_UNAVAILABLE') unexpected.push(`${counter}: ${JSON.stringify(body)}`);
      if (!/^\d+$/.test(answer.headers.get('retry-after') ?? '')) outage.badRetryAfter += 1;
      outage[counter] += 1;
    };

    const ingestLoop = async () => {
      while (running) {
        const batch = Array.from({ length: 20 }, () => ({
          id: `r-${(sent += 1)}`,
          timestamp: Date.now(),
          category: 'EVENT_CATEGORY_LOGIN',
          action: 'Log on',
          user: 'restart@contoso.com',
        }));
        try {
          const answer = await fetch(`${url}/api/v1/ingest/activities`, {
            method: 'POST',
            headers: admin,
            body: JSON.stringify(batch),
          });
          if (answer.status === 200) for (const r of batch) acked.add(r.id);
          else if (answer.status === 503) await note503(answer, 'ingest503');
          else unexpected.push(`ingest ${answer.status}: ${await answer.text()}`);
        } catch (error) {
          unexpected.push(`ingest: ${String(error)}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    const pullOnce = async (): Promise<boolean> => {
      const query = cursor === undefined ? '' : `&cursor=${cursor}`;
      const answer = await fetch(`${url}/api/agent/v1/activities?limit=500${query}`, {
        headers: { authorization: `Token ${agentToken}` },
      });
      if (answer.status === 200) {
        const page = (await answer.json()) as {
          events: { id: string }[];
          nextCursor: string;
          hasMore: boolean;
        };
        for (const e of page.events) delivered.add(e.id);
        cursor = page.nextCursor;
        return page.hasMore;
      }
      if (answer.status === 503) await note503(answer, 'pull503');
      else if (answer.status !== 429) unexpected.push(`pull ${answer.status}: ${await answer.text()}`);
      return true;
    };
    const pullLoop = async () => {
      while (running) {
        try {
          await pullOnce();
        } catch (error) {
          unexpected.push(`pull: ${String(error)}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    const health = async () => {
      const answer = await fetch(`${url}/healthz`);
      return { status: answer.status, body: (await answer.json()) as Record<string, string> };
    };
    const degraded = async () => {
      const h = await health();
      if (h.status !== 503) return false;
      expect(h.body).toEqual({ status: 'degraded', store: 'unavailable' });
      outage.health503 += 1;
      return true;
    };
    const recovered = async () => (await health()).status === 200;
    const ingestedAfter = (mark: number) => {
      alive();
      if (unexpected.length > 0) throw new Error(`unexpected answers: ${unexpected.slice(0, 5).join('\n')}`);
      return acked.size > mark;
    };

    // 1. Idle: the pool holds idle connections when the server goes away.
    await fetch(`${url}/api/v1/activities`, { method: 'POST', headers: admin, body: '{}' });
    await db.stopImmediate();
    await new Promise((r) => setTimeout(r, 1500));
    alive();
    await until('/healthz to say degraded (idle)', degraded);
    await db.start();
    await until('/healthz to recover (idle)', recovered);
    alive();

    // 2. Under load: ingest and agent pulls running, stop -m immediate, then SIGKILL of the postmaster.
    const loops = [ingestLoop(), pullLoop()];
    for (const cut of ['immediate', 'sigkill'] as const) {
      const start = acked.size;
      await until(`ingest before the ${cut} cut`, () => ingestedAfter(start + 100));
      const before = { ...outage };
      if (cut === 'immediate') await db.stopImmediate();
      else await db.killPostmaster();
      await until(`503 answers after the ${cut} cut`, () => {
        alive();
        return outage.ingest503 > before.ingest503 && outage.pull503 > before.pull503;
      });
      await until(`/healthz to say degraded (${cut})`, degraded);
      await new Promise((r) => setTimeout(r, 1000));
      alive();
      await db.start();
      await until(`/healthz to recover (${cut})`, recovered);
      const mark = acked.size;
      await until(`ingest after the ${cut} restart`, () => ingestedAfter(mark + 100));
    }
    running = false;
    await Promise.all(loops);
    alive();

    // Everything acknowledged is stored, and the agent receives all of it.
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    const stored = new Set(
      (await check.query<{ id: string }>('select id from activities')).rows.map((r) => r.id),
    );
    await check.end();
    const missing = [...acked].filter((id) => !stored.has(id));
    await until('the agent to drain', async () => !(await pullOnce()), 60_000);
    const undelivered = [...acked].filter((id) => !delivered.has(id));
    console.log(
      `store restart: ${acked.size} records acknowledged of ${sent} sent, ${outage.ingest503} ingest and ` +
        `${outage.pull503} pull 503s, ${outage.health503} degraded /healthz answers`,
    );
    expect(unexpected).toEqual([]);
    expect(outage.badRetryAfter).toBe(0);
    expect(missing).toEqual([]);
    expect(undelivered).toEqual([]);
    expect(acked.size).toBeGreaterThan(300);
    expect(child.exitCode).toBeNull();
  }, 180_000);
});
