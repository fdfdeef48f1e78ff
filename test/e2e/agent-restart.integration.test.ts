// The agent or the portal stops under a stream (DESIGN §6): kill -9 while a backlog drains (and
// while blocked mid-page), restart with the same token: nothing missing, duplicates within one
// page; a SIGTERM stop acknowledges what it delivered; a portal restart is waited out.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../support/certs.ts';
import { toolOrSkip } from '../support/tools.ts';
import {
  activity,
  cleanup,
  exitLine,
  freePort,
  ids,
  received,
  startAgent,
  startPortal,
  startSyslogNg,
  waitForIds,
  waitUntil,
} from './harness.ts';
import { backlogSetup, blocked, resumeAndCheck, settled, stall } from './backlog.ts';

const syslogNgTool = toolOrSkip('syslog-ng');
const openssl = toolOrSkip('openssl');

describe.skipIf(syslogNgTool === undefined || openssl === undefined)('agent and portal restarts', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeTestCerts(openssl!.path);
  });
  afterAll(() => removeTestCerts(certs));
  afterEach(cleanup);

  it('loses nothing when the agent is killed with -9 while a backlog drains, and resumes with the same token', async () => {
    const { backlog, token, file } = await backlogSetup(syslogNgTool!, certs);
    const first = startAgent(token);
    await waitUntil(
      () => file.lines().length > 0,
      'the first lines',
      20_000,
      () => first.describe(),
    );
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
    const { receiver, backlog, token, file } = await backlogSetup(syslogNgTool!, certs);
    const first = startAgent(token);
    await waitUntil(
      () => file.lines().length > 0,
      'the first lines',
      20_000,
      () => first.describe(),
    );
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
    const [portal, receiver] = await Promise.all([startPortal(), startSyslogNg(syslogNgTool!, certs)]);
    const first = ids('before-stop', 500).map((id) => activity(id));
    await portal.api.ingest('activities', first);
    const { token } = await portal.api.createAgent({
      syslog: { host: '127.0.0.1', port: receiver.ports.tcp, protocol: 'tcp' },
    });
    const file = receiver.file('tcp');
    const agent = startAgent(token);
    await waitForIds(
      file,
      first.map((r) => r.id),
      20_000,
      () => agent.describe(),
    );
    const exit = await agent.stop();
    expect(exit.code).toBe(0);
    expect(exitLine(exit)).toBe('cloudsiem agent: stopped');

    const after = ids('after-restart', 10).map((id) => activity(id));
    await portal.api.ingest('activities', after);
    const again = startAgent(token);
    await waitForIds(
      file,
      after.map((r) => r.id),
      20_000,
      () => again.describe(),
    );
    // The restart began after the last acknowledged page: the first 500 are not sent again.
    expect(received(file).map((e) => e.externalId)).toEqual([...first, ...after].map((r) => r.id));
  }, 60_000);

  it('waits out a portal restart and carries on from its committed position', async () => {
    const port = await freePort();
    const [portal, receiver] = await Promise.all([
      startPortal({ port }),
      startSyslogNg(syslogNgTool!, certs),
    ]);
    const before = ids('before-portal-restart', 100).map((id) => activity(id));
    await portal.api.ingest('activities', before);
    const { token } = await portal.api.createAgent({
      syslog: { host: '127.0.0.1', port: receiver.ports.tcp, protocol: 'tcp' },
    });
    const file = receiver.file('tcp');
    const agent = startAgent(token);
    await waitForIds(
      file,
      before.map((r) => r.id),
      20_000,
      () => agent.describe(),
    );

    await portal.stop();
    await waitUntil(async () => (await agent.metric('cloudsiem_pull_errors_total')) >= 2, 'failed pulls');
    expect(agent.running).toBe(true);
    const restarted = await startPortal({ port, dir: portal.dir });
    const after = ids('after-portal-restart', 100).map((id) => activity(id));
    await restarted.api.ingest('activities', after);
    await waitForIds(
      file,
      after.map((r) => r.id),
      40_000,
      () => agent.describe(),
    );
    expect(received(file).map((e) => e.externalId)).toEqual([...before, ...after].map((r) => r.id));
  }, 90_000);
});
