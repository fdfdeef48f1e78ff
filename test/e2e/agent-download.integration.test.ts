// The agent download (issue 13): fetched from a real `cloudsiem portal` process at
// /downloads/cloudsiem-agent.mjs, checked against the SHA-256 the portal publishes beside it, then
// that one file alone copied into a fresh directory outside the repository (no node_modules) and
// run there with plain `node … --token-file` against the portal and a real syslog-ng: it connects
// and delivers each event once; SIGTERM stops it with exit 0.
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { Child } from '../support/child.ts';
import {
  activity,
  alert,
  countIds,
  describeWithSyslogNg,
  ids,
  onCleanup,
  received,
  tempDir,
  waitUntil,
} from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describeWithSyslogNg('the agent downloaded from the portal', (suite) => {
  it('matches its published SHA-256, runs alone with Node from another directory, and delivers', async () => {
    const { portal, token, file, created } = await suite.startPortalAndSyslogNg();
    expect(created.status).toBe('created');
    const activities = ids('download-activity', 5).map((id) => activity(id));
    const alerts = ids('download-alert', 3).map((id) => alert(id));
    await portal.api.ingest('activities', activities);
    await portal.api.ingest('alerts', alerts);

    // No session, no token: the download is public.
    const answer = await fetch(`${portal.url}/downloads/cloudsiem-agent.mjs`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bytes = Buffer.from(await answer.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const published = await (await fetch(`${portal.url}/downloads/cloudsiem-agent.mjs.sha256`)).text();
    expect(published).toBe(`${sha256}  cloudsiem-agent.mjs\n`);
    expect(answer.headers.get('etag')).toBe(`"sha256-${sha256}"`);
    // The same bytes for every portal: nothing of this portal (its URL, a token) is written into it.
    expect(bytes.includes(Buffer.from(portal.url))).toBe(false);
    expect(bytes.includes(Buffer.from(token))).toBe(false);

    // "Another server": only the file and the token in a directory outside the repository.
    const server = tempDir('download');
    expect(relative(ROOT, server).startsWith('..')).toBe(true);
    writeFileSync(join(server, 'cloudsiem-agent.mjs'), bytes);
    writeFileSync(join(server, 'agent.token'), `${token}\n`, { mode: 0o600 });
    expect(readdirSync(server).sort()).toEqual(['agent.token', 'cloudsiem-agent.mjs']);
    const { NODE_OPTIONS: _options, NODE_PATH: _path, ...env } = process.env;
    const agent = new Child(process.execPath, ['cloudsiem-agent.mjs', '--token-file', 'agent.token'], {
      cwd: server,
      env: { ...env, CLOUDSIEM_TOKEN: '' },
    });
    onCleanup(async () => void (await agent.kill()));

    const wanted = [...activities, ...alerts].map((r) => r.id);
    await waitUntil(
      () => {
        if (!agent.running) throw new Error(`the agent exited: ${agent.output}`);
        return new Set(received(file).map((e) => e.externalId)).size === wanted.length;
      },
      `${wanted.length} events at the receiver`,
      30_000,
      () => agent.output,
    );
    expect(countIds(received(file))).toEqual(new Map(wanted.map((id) => [id, 1])));
    expect((await portal.api.getAgent(created.id)).status).toBe('connected');

    const exit = await agent.terminate(10_000);
    expect(exit.code, agent.output).toBe(0);
    expect(agent.stderr).toContain('cloudsiem agent: stopped');
  });
});
