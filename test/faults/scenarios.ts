// The SIEM-side fault scenarios (docs/RELIABILITY.md "Fault runs"; issue 10): what a SIEM team
// tests first — the SIEM hanging, crashing, restarting, moving — plus agent and portal crashes, a
// RELP slot and UDP under load. Each fault is bounded in time and its random gaps come from the seed.
import type { FaultContext, Scenario } from './runner.ts';

/** A duration between `min` and `max` ms from the scenario's seeded random source. */
const between = (ctx: FaultContext, min: number, max: number): number =>
  Math.round(min + ctx.random() * (max - min));

/** Lets a stream establish before the fault: the agent is draining when it hits. */
const draining = (ctx: FaultContext) => ctx.moreLines(200);

/** SIEM SIGSTOP for 5–30 s (5–12 s in the short mode), then SIGKILL, then restarted. */
function stopThenKill(transport: 'tcp' | 'tls', short: boolean): Scenario {
  return {
    id: `siem-stop-kill-${transport}`,
    title: 'SIEM hangs (SIGSTOP 5–30 s), then SIGKILL and restart',
    transport,
    short,
    faultMs: 35_000,
    async fault(ctx) {
      await draining(ctx);
      const stallMs = between(ctx, 5_000, ctx.short ? 12_000 : 30_000);
      ctx.note(`SIGSTOP for ${(stallMs / 1000).toFixed(1)} s, then SIGKILL`);
      ctx.siems[0]!.stall();
      await ctx.wait(stallMs);
      await ctx.siems[0]!.kill();
      ctx.fault();
      await ctx.siems[0]!.restart();
      ctx.back();
    },
  };
}

/** SIEM SIGKILLed once, restarted after `downMs`. */
function killOnce(
  id: string,
  title: string,
  transport: 'tcp' | 'tls' | 'relp',
  short: boolean,
  downMs: number,
  afterFirstLineMs?: number,
): Scenario {
  return {
    id,
    title,
    transport,
    short,
    faultMs: downMs + 5_000,
    async fault(ctx) {
      if (afterFirstLineMs === undefined) await draining(ctx);
      else await ctx.wait(afterFirstLineMs);
      await ctx.siems[0]!.kill();
      ctx.fault();
      await ctx.wait(downMs);
      await ctx.siems[0]!.restart();
      ctx.back();
    },
  };
}

export const SCENARIOS: readonly Scenario[] = [
  stopThenKill('tcp', true),
  stopThenKill('tls', false),
  // The runner starts the fault when the first line arrived.
  killOnce(
    'siem-kill-first-line-tcp',
    'SIEM SIGKILL 0.3 s after the first line, back 3 s later',
    'tcp',
    true,
    3_000,
    300,
  ),
  {
    id: 'siem-hang-switch-tcp',
    title: 'SIEM hangs; admin points the agent at a second SIEM; the first is killed later',
    transport: 'tcp',
    receivers: 2,
    short: true,
    faultMs: 30_000,
    async fault(ctx) {
      await draining(ctx);
      ctx.siems[0]!.stall();
      ctx.note('first SIEM SIGSTOPped; target switched after 3 s; first SIGKILLed 10 s later');
      await ctx.wait(3_000);
      await ctx.portal.api.updateAgent(ctx.agentId, { syslog: ctx.target(1) });
      ctx.fault();
      ctx.back();
      await ctx.wait(10_000);
      await ctx.siems[0]!.kill();
    },
  },
  killOnce('siem-kill-10s-tcp', 'SIEM SIGKILL, restarted after 10 s', 'tcp', true, 10_000),
  killOnce('siem-kill-10s-tls', 'SIEM SIGKILL, restarted after 10 s', 'tls', false, 10_000),
  {
    id: 'siem-restart-x10-tcp',
    title: 'SIEM killed (-9) and restarted 10 times in a row, random short gaps',
    transport: 'tcp',
    faultMs: 60_000,
    async fault(ctx) {
      await draining(ctx);
      for (let i = 0; i < 10; i++) {
        await ctx.wait(between(ctx, 500, 3_000));
        await ctx.siems[0]!.kill();
        ctx.fault();
        await ctx.wait(between(ctx, 200, 2_000));
        await ctx.siems[0]!.restart();
      }
      ctx.back();
    },
  },
  {
    id: 'agent-kill-tcp',
    title: 'Agent kill -9 while draining, restarted 2 s later',
    transport: 'tcp',
    short: true,
    faultMs: 10_000,
    async fault(ctx) {
      await draining(ctx);
      await ctx.agent().kill9();
      ctx.fault();
      await ctx.wait(2_000);
      ctx.startAgentAgain();
      ctx.back();
    },
  },
  ...(['sqlite', 'postgres'] as const).map((store): Scenario => ({
    id: `portal-kill-${store}`,
    title: `Portal kill -9 (${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}), restarted 3 s later`,
    transport: 'tcp',
    store,
    faultMs: 30_000,
    async fault(ctx) {
      await draining(ctx);
      await ctx.portal.kill9();
      ctx.fault();
      await ctx.wait(3_000);
      await ctx.portal.launch();
      ctx.back();
    },
  })),
  {
    id: 'siem-port-switch-tcp',
    title: 'Admin moves the agent to another SIEM port while draining',
    transport: 'tcp',
    receivers: 2,
    faultMs: 5_000,
    async fault(ctx) {
      await draining(ctx);
      await ctx.portal.api.updateAgent(ctx.agentId, { syslog: ctx.target(1) });
      ctx.fault();
      ctx.back();
    },
  },
  {
    id: 'siem-stall-30s-tcp',
    title: 'SIEM stalls 30 s (SIGSTOP, then SIGCONT)',
    transport: 'tcp',
    faultMs: 35_000,
    async fault(ctx) {
      await draining(ctx);
      ctx.siems[0]!.stall();
      await ctx.wait(30_000);
      ctx.siems[0]!.resume();
      ctx.fault();
      ctx.back();
    },
  },
  {
    id: 'steady-ingest-tcp',
    title: 'No fault: ingest goes on while the agent drains a backlog',
    transport: 'tcp',
    faultMs: 0,
    async fault() {},
  },
  killOnce('relp-kill', 'RELP: rsyslog (imrelp) SIGKILL, restarted 3 s later', 'relp', true, 3_000),
  {
    id: 'udp-load',
    title: 'UDP under load (information: UDP promises nothing)',
    transport: 'udp',
    informational: true,
    faultMs: 0,
    async fault() {},
  },
];
