// Shared by the crash tests: a 20k backlog, a stalled syslog-ng (SIGSTOP), and the check that a
// restarted agent delivers the whole backlog with duplicates within a bound (DESIGN §6).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PULL_LIMIT_MAX } from '@cloudsiem/protocol';
import type { ReceivedFile, Receiver } from '../interop/daemons.ts';
import {
  activity,
  countIds,
  expectCaughtUp,
  ids,
  onCleanup,
  received,
  startAgent,
  waitUntil,
  type AgentProcess,
  type SyslogNgSuite,
} from './harness.ts';

/** A portal holding a 20k backlog of ~1.3 kB lines (26 MB: far more than socket buffers hold). */
export async function backlogSetup(suite: SyslogNgSuite) {
  const { portal, receiver, token, file } = await suite.startPortalAndSyslogNg();
  const backlog = ids('backlog', 20_000);
  const description = 'backlog event padding '.repeat(45);
  for (let i = 0; i < backlog.length; i += 5000)
    await portal.api.ingest(
      'activities',
      backlog.slice(i, i + 5000).map((id) => activity(id, { description })),
    );
  return { portal, receiver, backlog, token, file };
}

/** Starts an agent on the backlog and waits until its first lines arrived: it is draining. */
export async function startDraining(token: string, file: ReceivedFile): Promise<AgentProcess> {
  const agent = startAgent(token);
  await waitUntil(
    () => file.lines().length > 0,
    'the first lines',
    20_000,
    () => agent.describe(),
  );
  return agent;
}

/** Stops syslog-ng reading (SIGSTOP: a stalled SIEM, connections kept open); returns its resume. */
export function stall(receiver: Receiver): () => void {
  const pid = Number(readFileSync(join(receiver.dir, 'pid'), 'utf8'));
  process.kill(pid, 'SIGSTOP');
  const resume = () => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  };
  onCleanup(resume);
  return resume;
}

/** Waits until `read()` has not changed for a second (five samples 200 ms apart); returns it. */
async function steady(read: () => number | Promise<number>, what: string): Promise<number> {
  const samples: number[] = [];
  await waitUntil(async () => {
    samples.push(await read());
    await new Promise((resolve) => setTimeout(resolve, 200));
    const last = samples.slice(-5);
    return last.length === 5 && last.every((n) => n === last[0]);
  }, what);
  return samples.at(-1)!;
}

/**
 * Waits until the agent's handed-over bytes stop growing: blocked on the stalled socket (the
 * backlog is far larger than the socket buffers). Returns the events handed over by then.
 */
export async function blocked(agent: AgentProcess): Promise<number> {
  await steady(
    () => agent.metric('cloudsiem_sent_bytes_total{data_type="activities"}'),
    'the agent to block on the stalled syslog-ng',
  );
  return agent.metric('cloudsiem_sent_events_total{data_type="activities"}');
}

/** Waits until what a stopped agent had handed to its socket has all arrived; returns the lines. */
export function settled(file: ReceivedFile): Promise<number> {
  return steady(() => file.lines().length, 'the stopped agent’s last bytes to arrive');
}

/**
 * Every backlog line ends with the empty IPv6 key (its records carry an IPv4 address). A line
 * that does not was cut off where the killed agent's last write stopped: with LF framing the SIEM
 * gets that fragment as a line of its own (octet counting would let it drop it).
 */
export const isWhole = (line: string): boolean => line.endsWith(' c6a1=');

/**
 * Restarts the agent with the same token after the first one stopped with `beforeRestart`
 * lines received, and checks that the whole backlog arrives, duplicates within `maxDuplicates`
 * (default one page: what a crash leaves unacknowledged). Returns the duplicates and the
 * fragments the stop cut off.
 */
export async function resumeAndCheck(
  token: string,
  file: ReceivedFile,
  backlog: string[],
  beforeRestart: number,
  maxDuplicates: number = PULL_LIMIT_MAX,
): Promise<{ duplicates: number; cut: number }> {
  expect(beforeRestart, 'stopped mid-backlog').toBeLessThan(backlog.length);
  expect(beforeRestart).toBeGreaterThan(0);
  const second = startAgent(token);
  await second.waitForDelivery(file, backlog, { timeoutMs: 60_000, keep: isWhole });
  await expectCaughtUp(second, ['activities']);

  // At most one fragment, from the first agent's end, and the event it cut arrived whole later.
  const lines = file.lines();
  const fragments = lines.flatMap((line, index) => (isWhole(line) ? [] : [{ line, index }]));
  expect(fragments.length, 'lines cut off').toBeLessThanOrEqual(1);
  for (const { line, index } of fragments) {
    expect(index, 'a fragment only where the first agent stopped').toBe(beforeRestart - 1);
    expect(lines.slice(beforeRestart).some((later) => later.startsWith(line))).toBe(true);
  }

  const all = received(file, isWhole);
  const counts = countIds(all);
  expect(counts.size).toBe(backlog.length);
  const duplicates = all.length - backlog.length;
  // The portal commits only what a later pull acknowledged (and a stop rewinds over what an
  // abandoned connection may have lost): at most that is sent twice.
  expect(duplicates).toBeLessThanOrEqual(maxDuplicates);
  expect([...counts.values()].every((n) => n <= 2)).toBe(true);
  // Sent twice means: received from the first agent, then again from the second.
  const firstAgent = all.slice(0, beforeRestart - fragments.length);
  const fromSecond = new Set(all.slice(beforeRestart - fragments.length).map((e) => e.externalId));
  for (const event of firstAgent)
    if (counts.get(event.externalId) === 2)
      expect(fromSecond.has(event.externalId), event.externalId).toBe(true);
  return { duplicates, cut: fragments.length };
}
