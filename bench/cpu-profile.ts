// Where the CPU time goes: a V8 CPU profile (node:inspector in this process, or a --cpu-prof file
// of a child) summed by self time into the pipeline's parts — JSON.parse, encode-cef, syslog
// framing, sockets, HTTP, SQLite, GC — plus the hottest functions. Set BENCH_PROFILE=1; with
// BENCH_PROFILE_DIR the profiles are kept there too.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export const PROFILING = process.env.BENCH_PROFILE === '1';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** The part of the pipeline a frame belongs to; null: the caller's part (native code, glue). */
function partOf({ functionName, url }: ProfileNode['callFrame']): string | null {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8 (program: compile, IC, runtime)';
  if (url === '') {
    if (functionName === 'parse') return 'JSON.parse';
    if (functionName === 'stringify') return 'JSON.stringify';
    return null;
  }
  // Dependencies first: a workspace package may have its own node_modules.
  const parts: [RegExp, string][] = [
    [/\/node_modules\/undici\//, 'HTTP client (undici)'],
    [/\/node_modules\/(hono|@hono)\//, 'HTTP server (hono, node-server)'],
    // better-sqlite3's native statement calls show as self time of kysely's driver.
    [/\/node_modules\/kysely\/.*sqlite-driver/, 'SQLite statements (better-sqlite3 via kysely)'],
    [/\/node_modules\/kysely\//, 'kysely (query builder)'],
    [/\/node_modules\/better-sqlite3\//, 'SQLite statements (better-sqlite3 via kysely)'],
    [/\/node_modules\/zod\//, 'zod'],
    [/\/node_modules\/(pino|thread-stream|sonic-boom)/, 'logging (pino)'],
    [/\/node_modules\/tsx\/|^node:internal\/modules\//, 'module loading (tsx)'],
    [/\/packages\/cef\//, 'encode-cef (packages/cef)'],
    [/\/packages\/syslog\//, 'syslog framing + sender (packages/syslog)'],
    [/\/packages\/agent\/src\/source\//, 'agent portal client (body text, JSON.parse)'],
    [/\/packages\/agent\/src\/transform\//, 'agent encode-cef page loop'],
    [/\/packages\/agent\//, 'agent pipeline (loop, checkpoint, sink)'],
    [/\/packages\/portal\/src\/store\//, 'portal store (queries)'],
    [/\/packages\/portal\/src\/services\//, 'portal services (pull: page JSON)'],
    [/\/packages\/portal\/src\/(http|routes)\//, 'portal HTTP app + routes'],
    [/\/packages\/portal\//, 'portal (other)'],
    [/\/packages\/protocol\//, 'protocol schemas'],
    [/\/bench\/.*/, functionName === 'parsePage' ? 'JSON.parse (file client)' : 'file read (file client)'],
    [/^node:(net|internal\/(stream_base_commons|streams|net))/, 'node sockets + streams'],
    [/^node:internal\/(fs|fs\/)/, 'node fs'],
    [/^node:(_http|http|internal\/http)/, 'node http'],
  ];
  for (const [pattern, part] of parts) if (pattern.test(url)) return part;
  return null;
}

export interface ProfileSummary {
  totalMs: number;
  parts: { part: string; ms: number }[];
  functions: { name: string; ms: number }[];
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const sampleCount = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const msPerSample = sampleCount === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / sampleCount;
  const cache = new Map<number, string>();
  const part = (id: number): string => {
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const found = partOf(node.callFrame) ?? (up === undefined ? 'other' : part(up));
    cache.set(id, found);
    return found;
  };
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerSample;
    if (ms === 0) continue;
    const p = part(node.id);
    parts.set(p, (parts.get(p) ?? 0) + ms);
    // No line numbers: under tsx they point into the transformed code.
    const { functionName, url } = node.callFrame;
    const where = url === '' ? '' : ` ${url.replace(/^.*\/(packages|node_modules|bench)\//, '$1/')}`;
    const name = `${functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: sampleCount * msPerSample,
    parts: sorted(parts).map(([p, ms]) => ({ part: p, ms })),
    functions: sorted(functions).map(([name, ms]) => ({ name, ms })),
  };
}

/** Prints the parts (excluding idle) as shares of the busy time, and the hottest functions. */
export function printProfile(title: string, summary: ProfileSummary, events: number): void {
  const busy = summary.parts.filter((p) => p.part !== 'idle').reduce((n, p) => n + p.ms, 0);
  const perMillion = (ms: number) => `${((ms / 1000 / events) * 1e6).toFixed(1).padStart(6)} CPU-s/M`;
  console.log(`  ${title}: ${(busy / 1000).toFixed(1)} s busy (profiler on: slower than the run above)`);
  for (const { part, ms } of summary.parts) {
    if (part === 'idle' || ms / busy < 0.005) continue;
    console.log(`    ${part.padEnd(44)} ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${perMillion(ms)}`);
  }
  console.log(`    hottest functions (self time):`);
  for (const { name, ms } of summary.functions.filter((f) => f.name !== '(idle)').slice(0, 12)) {
    console.log(`      ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
}

/** Runs `fn` under the V8 sampling profiler of this process. */
export async function profileCpu<T>(fn: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await session.post('Profiler.stop');
      throw error;
    }
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** The profile a child started with --cpu-prof --cpu-prof-dir=DIR wrote when it exited. */
export function readProfileDir(directory: string): CpuProfile | null {
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
  return file === undefined ? null : (JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile);
}

/** With BENCH_PROFILE_DIR set, keeps a profile there (it opens in Chrome DevTools or speedscope). */
export function keepProfile(name: string, profile: CpuProfile): void {
  const directory = process.env.BENCH_PROFILE_DIR;
  if (directory === undefined) return;
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.cpuprofile`);
  writeFileSync(path, JSON.stringify(profile));
  console.log(`  profile kept: ${path}`);
}
