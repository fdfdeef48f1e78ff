// What a process costs while a benchmark runs: CPU seconds (user + system) and peak RSS, of this
// process (process.cpuUsage, RSS sampled every 100 ms) or of a child (Linux /proc: utime + stime,
// VmHWM). Numbers only; the benchmarks decide what they mean.
import { readFileSync } from 'node:fs';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** Linux reports utime and stime in USER_HZ ticks, 100 a second on every mainstream architecture. */
const USER_HZ = 100;

export interface CpuMeter {
  /** CPU seconds used since the meter started. */
  seconds(): number;
}

export function selfCpu(): CpuMeter {
  const start = process.cpuUsage();
  return {
    seconds: () => {
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1e6;
    },
  };
}

function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, may contain spaces): state is field 3,
    // utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return null;
  }
}

/** The CPU time of another process, or null where /proc is not there to read it. */
export function childCpu(pid: number): CpuMeter | null {
  const start = procCpuSeconds(pid);
  if (start === null) return null;
  return { seconds: () => (procCpuSeconds(pid) ?? start) - start };
}

/** A process's RSS now (VmRSS) and its peak since it started (VmHWM), in bytes; null without /proc. */
export function childRss(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const [rss, peak] = [kb('VmRSS'), kb('VmHWM')];
    return Number.isNaN(rss) || Number.isNaN(peak) ? null : { rss, peak };
  } catch {
    return null;
  }
}

export interface RssPeak {
  rss: number;
  /** process.memoryUsage() at the sample with the highest RSS: V8 heap against Buffers. */
  heapTotal: number;
  heapUsed: number;
  arrayBuffers: number;
}

export interface RssSampler {
  /** Stops sampling; the highest RSS seen, in bytes, and what it was made of. */
  stop(): RssPeak;
}

/** Samples this process's RSS every `intervalMs` and keeps the highest. */
export function sampleRss(intervalMs = 100): RssSampler {
  let peak: RssPeak = { rss: 0, heapTotal: 0, heapUsed: 0, arrayBuffers: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    if (usage.rss > peak.rss) peak = usage;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const { rss, heapTotal, heapUsed, arrayBuffers } = peak;
      return { rss, heapTotal, heapUsed, arrayBuffers };
    },
  };
}

/** Decimal megabytes, as the targets are stated. */
export function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

export interface GcTotals {
  /** Main-thread pause time of scavenges (young generation), ms. */
  minorMs: number;
  /** Of mark-compacts and the rest (incremental marking steps, weak callbacks), ms. */
  majorMs: number;
  count: number;
}

/** Adds up this process's GC pauses from now until stop(). */
export function observeGc(): { stop(): GcTotals } {
  const totals: GcTotals = { minorMs: 0, majorMs: 0, count: 0 };
  const add = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) totals.minorMs += entry.duration;
      else totals.majorMs += entry.duration;
      totals.count++;
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      add(observer.takeRecords());
      observer.disconnect();
      return { ...totals };
    },
  };
}
