// The SIEM fails under a running agent (DESIGN §5, §6): syslog-ng SIGKILLed mid-stream and
// restarted loses nothing, and only the pages of the resend window are sent twice; a syslog-ng that
// stops reading (SIGSTOP) must not keep the agent from stopping, and still loses nothing.
import { expect, it } from 'vitest';
import {
  activity,
  countIds,
  describeWithSyslogNg,
  exitLine,
  ids,
  received,
  startAgent,
  waitUntil,
  type AdminClient,
} from './harness.ts';
import { backlogSetup, blocked, resumeAndCheck, settled, stall, startDraining } from './backlog.ts';

/** The agent's resend window (packages/agent/src/checkpoint.ts, DEFAULT_RESEND_WINDOW_MS). */
const RESEND_WINDOW_MS = 1000;
/** How long an idle agent waits between pulls (agent.ts, idlePollMs): a page spans that much ingest. */
const IDLE_POLL_MS = 1000;

interface Batch {
  ids: string[];
  /** When the ingest request was sent: every record of it was stored after this. */
  sentAt: number;
}

/** Ingests `size` activities every `everyMs` until stopped, logging each batch. */
function streamActivities(api: AdminClient, prefix: string, size: number, everyMs: number) {
  const batches: Batch[] = [];
  let stopped = false;
  let failure: Error | undefined;
  const running = (async () => {
    for (let n = 0; !stopped; n++) {
      const batch = { ids: ids(prefix, size, n * size), sentAt: Date.now() };
      try {
        await api.ingest(
          'activities',
          batch.ids.map((id) => activity(id)),
        );
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        return;
      }
      batches.push(batch);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    batches,
    count: () => batches.length,
    async stop(): Promise<Batch[]> {
      stopped = true;
      await running;
      if (failure !== undefined) throw failure;
      return batches;
    },
  };
}

describeWithSyslogNg('SIEM outages', (suite) => {
  it('loses nothing when syslog-ng is killed and restarted mid-stream; duplicates come only from the resend window', async () => {
    const { portal, receiver, token, file } = await suite.startPortalAndSyslogNg();
    const agent = startAgent(token);
    const stream = streamActivities(portal.api, 'steady', 20, 100);
    // How many lines had arrived when: to report what the agent wrote in the resend window.
    const arrivals: { at: number; lines: number }[] = [];
    const sampler = setInterval(() => arrivals.push({ at: Date.now(), lines: file.lines().length }), 50);
    try {
      // Long enough before the kill that the resend window is only a part of what was delivered.
      await waitUntil(
        () => file.lines().length >= 1200,
        'a steady stream',
        30_000,
        () => agent.describe(),
      );

      const killedAt = Date.now();
      await receiver.kill();
      clearInterval(sampler);
      const receivedBeforeKill = received(file);
      // The agent notices, and ingest goes on while the SIEM is down.
      await agent.waitForHealth((h) => h.syslog.state !== 'connected', 'the agent to notice the loss');
      const batchesAtKill = stream.batches.filter((b) => b.sentAt < killedAt).length;
      await waitUntil(() => stream.count() >= batchesAtKill + 30, '3 s of ingest while syslog-ng is down');
      await receiver.restart();
      const batchesAtRestart = stream.count();
      await waitUntil(() => stream.count() >= batchesAtRestart + 20, '2 s of ingest after the restart');
      const batches = await stream.stop();

      const all = batches.flatMap((b) => b.ids);
      await agent.waitForDelivery(file, all, { timeoutMs: 30_000 });
      await agent.waitForHealth((h) => h.syslog.state === 'connected', 'a connected syslog');

      const events = received(file);
      const counts = countIds(events);
      const duplicated = [...counts].filter(([, n]) => n > 1);
      // Every line is one of ours, and every one of ours arrived.
      expect(counts.size).toBe(all.length);
      expect(new Set(all).size).toBe(all.length);
      // A duplicate was received before the crash and sent again after it. Only pages written in
      // the resend window before the loss are sent again, and a page holds at most one idle poll
      // of ingest before it was written (plus slack for a slow pull).
      const windowStart = killedAt - RESEND_WINDOW_MS - IDLE_POLL_MS - 1000;
      const inWindow = new Set(
        batches.filter((b) => b.sentAt >= windowStart && b.sentAt < killedAt).flatMap((b) => b.ids),
      );
      expect(inWindow.size, 'the window is a part of what arrived before the kill').toBeLessThan(
        receivedBeforeKill.length,
      );
      const beforeKill = new Set(receivedBeforeKill.map((e) => e.externalId));
      for (const [id, n] of duplicated) {
        expect(n, id).toBe(2);
        expect(beforeKill.has(id), `${id} was received twice but not before the kill`).toBe(true);
        expect(inWindow.has(id), `${id} was sent again but ingested before the resend window`).toBe(true);
      }
      const oneSecondBefore = arrivals.filter((a) => a.at <= killedAt - RESEND_WINDOW_MS).at(-1)?.lines ?? 0;
      console.info(
        `receiver down: ${all.length} ingested, ${receivedBeforeKill.length} received before the kill ` +
          `(${receivedBeforeKill.length - oneSecondBefore} in its last second), ${duplicated.length} duplicates; ` +
          `${inWindow.size} ingested in the ${killedAt - windowStart} ms before the kill`,
      );
    } finally {
      clearInterval(sampler);
      await stream.stop().catch(() => {});
    }
  }, 90_000);

  it('stops on SIGTERM (exit 0) while syslog-ng stalls, and a restart delivers everything', async () => {
    const { receiver, backlog, token, file } = await backlogSetup(suite);
    const first = await startDraining(token, file);
    const resume = stall(receiver);
    expect(await blocked(first)).toBeLessThan(backlog.length);
    // systemctl stop / Ctrl-C while the SIEM does not read: the page in flight cannot be delivered,
    // so the agent must give it up (unacknowledged, re-sent after a restart) rather than hang.
    const exit = await first.stop({ graceMs: 30_000 });
    expect(exit.signal, 'still running 30 s after SIGTERM').toBeNull();
    expect(exit.code).toBe(0);
    expect(exitLine(exit)).toBe('cloudsiem agent: stopped');
    resume();
    const beforeRestart = await settled(file);
    const { duplicates, cut } = await resumeAndCheck(token, file, backlog, beforeRestart);
    console.info(
      `SIGTERM on a stalled syslog-ng: ${beforeRestart} before the restart, ${duplicates} duplicates, ${cut} line cut off`,
    );
  }, 90_000);
});
