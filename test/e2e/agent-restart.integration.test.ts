// The agent or the portal stops under a stream (DESIGN §6): kill -9 while a backlog drains (and
// while blocked mid-page), restart with the same token: nothing missing, duplicates within one
// page; a SIGTERM stop acknowledges what it delivered; a portal restart is waited out.
import { expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import {
  activity,
  describeWithSyslogNg,
  exitLine,
  ids,
  received,
  startAgent,
  startPortal,
  waitUntil,
} from './harness.ts';
import { backlogSetup, blocked, resumeAndCheck, settled, stall, startDraining } from './backlog.ts';

describeWithSyslogNg('agent and portal restarts', (suite) => {
  it('loses nothing when the agent is killed with -9 while a backlog drains, and resumes with the same token', async () => {
    const { backlog, token, file } = await backlogSetup(suite);
    const first = await startDraining(token, file);
    const killedWith = file.lines().length;
    expect((await first.kill9()).signal).toBe('SIGKILL');
    const beforeRestart = await settled(file);
    const { duplicates, cut } = await resumeAndCheck(token, file, backlog, beforeRestart);
    console.info(
      `kill -9 while draining: ${killedWith} lines received when killed, ${beforeRestart} before the restart, ` +
        `${duplicates} duplicates, ${cut} line cut off`,
    );
  }, 90_000);

  it('loses nothing when the agent is killed with -9 while blocked mid-page on a stalled syslog-ng', async () => {
    const { receiver, backlog, token, file } = await backlogSetup(suite);
    const first = await startDraining(token, file);
    const resume = stall(receiver);
    const handedOver = await blocked(first);
    expect(handedOver).toBeLessThan(backlog.length);
    const killedWith = file.lines().length;
    expect((await first.kill9()).signal).toBe('SIGKILL');
    resume();
    const beforeRestart = await settled(file);
    const { duplicates, cut } = await resumeAndCheck(token, file, backlog, beforeRestart);
    console.info(
      `kill -9 on a stalled syslog-ng: ${killedWith} lines received when killed, ${handedOver} handed to the ` +
        `socket by then, ${beforeRestart} before the restart, ${duplicates} duplicates, ${cut} line cut off`,
    );
  }, 90_000);

  it('acknowledges what it delivered when stopped by SIGTERM: a restart sends nothing twice', async () => {
    const { portal, token, file } = await suite.startPortalAndSyslogNg();
    const first = ids('before-stop', 500).map((id) => activity(id));
    await portal.api.ingest('activities', first);
    const agent = startAgent(token);
    await agent.waitForDelivery(file, first);
    const exit = await agent.stop();
    expect(exit.code).toBe(0);
    expect(exitLine(exit)).toBe('cloudsiem agent: stopped');

    const after = ids('after-restart', 10).map((id) => activity(id));
    await portal.api.ingest('activities', after);
    const again = startAgent(token);
    await again.waitForDelivery(file, after);
    // The restart began after the last acknowledged page: the first 500 are not sent again.
    expect(received(file).map((e) => e.externalId)).toEqual([...first, ...after].map((r) => r.id));
  }, 60_000);

  it('waits out a portal restart and carries on from its committed position', async () => {
    const port = await freePort();
    const { portal, token, file } = await suite.startPortalAndSyslogNg({ portal: { port } });
    const before = ids('before-portal-restart', 100).map((id) => activity(id));
    await portal.api.ingest('activities', before);
    const agent = startAgent(token);
    await agent.waitForDelivery(file, before);

    await portal.stop();
    await waitUntil(async () => (await agent.metric('cloudsiem_pull_errors_total')) >= 2, 'failed pulls');
    expect(agent.running).toBe(true);
    const restarted = await startPortal({ port, dir: portal.dir });
    const after = ids('after-portal-restart', 100).map((id) => activity(id));
    await restarted.api.ingest('activities', after);
    await agent.waitForDelivery(file, after, { timeoutMs: 40_000 });
    expect(received(file).map((e) => e.externalId)).toEqual([...before, ...after].map((r) => r.id));
  }, 90_000);
});
