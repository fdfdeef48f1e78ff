// `npm run bench -- --docs`: rewrites the generated sections of docs/PERFORMANCE.md (between
// `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`) from bench/results/latest.json,
// bench/results/curves.json and bench/results/agent-memory.json, and docs/perf-curves.svg from
// curves.json, so no figure is typed in.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { SVG_PATH, type CurveStore } from './curves.ts';
import { comparisonRows, RESULTS_DIR, type Comparison, type Machine } from './results.ts';
import { curvesSvg } from './svg.ts';

const DOC = fileURLToPath(new URL('../docs/PERFORMANCE.md', import.meta.url));

interface Latest {
  machine: Machine;
  comparisons: Comparison[];
  figures: Record<string, Record<string, unknown>>;
}

interface Curves {
  machine: Machine;
  stores: CurveStore[];
}

function read<T>(name: string): T | null {
  const path = `${RESULTS_DIR}${name}`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

const f = (n: number) => Math.round(n).toLocaleString('en-US');

function machineText(m: Machine, run: string): string[] {
  return [
    `Run: ${m.date.slice(0, 16).replace('T', ' ')} UTC, ${m.cpuModel}, ${m.cores} cores, ${m.memoryGB} GB, ` +
      `Node ${m.node}, syslog-ng ${m.syslogNg ?? 'not found'}, commit ${m.gitCommit?.slice(0, 12) ?? 'unknown'}; ${run}.`,
  ];
}

function tableText(latest: Latest): string[] {
  const out = machineText(
    latest.machine,
    `${f(latest.machine.events)} records, ${latest.machine.rounds} interleaved rounds`,
  );
  for (const c of latest.comparisons) {
    out.push('', `**${c.title}** (${f(c.events)} events, median (min–max) of ${c.rounds} rounds)`, '');
    out.push(...comparisonRows(c));
    if (c.notes.length > 0) out.push('', ...c.notes.map((n) => `- ${n}`));
  }
  const encoder = Object.entries(latest.figures['cef-encode'] ?? {}) as [
    string,
    { encodePerS: { median: number }; parsePerS: { median: number }; encodeOverParse: { median: number } },
  ][];
  if (encoder.length > 0) {
    out.push('', '**The encoder alone** (one core, median of the runs):', '');
    out.push(
      '| records | encode lines/s | JSON.parse records/s | encode ÷ parse |',
      '| --- | --- | --- | --- |',
    );
    for (const [label, e] of encoder)
      out.push(
        `| ${label} | ${f(e.encodePerS.median)} | ${f(e.parsePerS.median)} | ${e.encodeOverParse.median.toFixed(2)} |`,
      );
  }
  const ingest = Object.entries(latest.figures['agent-path'] ?? {}).filter(([k]) => k.startsWith('ingest '));
  if (ingest.length > 0) {
    out.push('', 'Ingest through the API, batches of 5,000, built-in policies on:', '');
    for (const [key, value] of ingest)
      out.push(
        `- ${key.slice('ingest '.length)}: ${f((value as { eventsPerS: number }).eventsPerS)} activities/s`,
      );
  }
  const portal = latest.figures.portal as Record<string, number> | undefined;
  if (portal !== undefined) {
    out.push(
      '',
      '**The portal alone** (in-process, one run; the pull client parses each page in the same process):',
      '',
      '| store | insert floor rows/s | ingest in-process /s | ingest HTTP /s | pull pages of 1,000 /s | pull pages of 5,000 /s |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    const stores = [...new Set(Object.keys(portal).map((k) => k.split(' ').at(-1)!))];
    for (const store of stores) {
      const v = (key: string) => portal[`${key} ${store}`];
      const cell = (n: number | undefined) => (n === undefined ? '—' : f(n));
      out.push(
        `| ${store} | ${cell(v('store insert floor'))} | ${cell(v('ingest in-process'))} | ${cell(v('ingest HTTP'))} | ${cell(v('pull 1000'))} | ${cell(v('pull 5000'))} |`,
      );
    }
  }
  return out;
}

function curvesText(curves: Curves): string[] {
  const out = machineText(curves.machine, `tables up to ${f(curves.machine.events)} rows`);
  out.push(
    '',
    '| store | rows | whole path events/s | agent peak RSS MB | pull p50 / p99 ms | list p50 / p99 ms | ingest activities/s (last step) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of curves.stores)
    for (const p of s.points) {
      const ingest = s.ingest.filter((i) => i.size <= p.size).at(-1)?.eventsPerS ?? NaN;
      out.push(
        `| ${s.store} | ${f(p.size)} | ${f(p.wholePathEventsPerS)} | ${p.agentPeakRssMB === null ? '—' : f(p.agentPeakRssMB)} | ` +
          `${p.pullMs.p50.toFixed(1)} / ${p.pullMs.p99.toFixed(1)} | ${p.listMs.p50.toFixed(1)} / ${p.listMs.p99.toFixed(1)} | ${f(ingest)} |`,
      );
    }
  out.push('', '![cost curves](perf-curves.svg)');
  return out;
}

interface AgentMemory {
  machine: Machine;
  figures: Record<string, Record<string, AgentMemoryRun>>;
}

interface AgentMemoryRun {
  events: number;
  seconds: number;
  eventsPerS: number;
  idleRssMB: number | null;
  peakRssMB: number;
  meanRssFirstTenthMB: number;
  meanRssLastTenthMB: number;
}

function agentMemoryText(memory: AgentMemory): string[] {
  const runs = Object.entries(memory.figures['agent-memory'] ?? {});
  const out = machineText(memory.machine, `${f(memory.machine.events)} events`);
  out.push(
    '',
    '| run | events | events/s | idle RSS MB | peak RSS MB | mean RSS, first tenth of the drain | mean RSS, last tenth |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [name, r] of runs)
    out.push(
      `| ${name} | ${f(r.events)} | ${f(r.eventsPerS)} | ${r.idleRssMB === null ? '—' : r.idleRssMB.toFixed(1)} | ` +
        `${f(r.peakRssMB)} | ${f(r.meanRssFirstTenthMB)} | ${f(r.meanRssLastTenthMB)} |`,
    );
  return out;
}

function replaceSection(doc: string, name: string, lines: string[]): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start === -1 || end === -1) throw new Error(`docs/PERFORMANCE.md has no ${open} … ${close} section`);
  return `${doc.slice(0, start + open.length)}\n${lines.join('\n')}\n${doc.slice(end)}`;
}

export async function writeDocs(): Promise<void> {
  let doc = readFileSync(DOC, 'utf8');
  const latest = read<Latest>('latest.json');
  const curves = read<Curves>('curves.json');
  const memory = read<AgentMemory>('agent-memory.json');
  if (latest !== null) doc = replaceSection(doc, 'table', tableText(latest));
  if (memory !== null) doc = replaceSection(doc, 'agent-memory', agentMemoryText(memory));
  if (curves !== null) {
    doc = replaceSection(doc, 'curves', curvesText(curves));
    writeFileSync(SVG_PATH, curvesSvg(curves.stores));
  }
  // Formatted as `npm run format:check` wants it (the tables' columns aligned).
  writeFileSync(DOC, await format(doc, { ...(await resolveConfig(DOC)), filepath: DOC }));
  console.log(
    `rewrote ${DOC} from ${[latest && 'latest.json', curves && 'curves.json', memory && 'agent-memory.json'].filter(Boolean).join(' and ') || 'nothing (no results yet)'}`,
  );
}
