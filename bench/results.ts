// What a run measured, for the table `npm run bench` prints at the end and for
// bench/results/latest.json: comparisons (contenders run interleaved, round after round, with
// median and min–max of each figure and ratios computed per round) and single figures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { stats, type Stats } from './lib.ts';
import { findSyslogNg } from './syslog-ng.ts';

export const RESULTS_DIR = fileURLToPath(new URL('results/', import.meta.url));
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

export interface Figure extends Stats {
  samples: number[];
}

export function figure(samples: number[]): Figure {
  return { ...stats(samples), samples };
}

/** One measured run of a contender. */
export interface Measured {
  events: number;
  /** Wall time the events took (first byte to last line at the sink, unless said otherwise). */
  seconds: number;
  /** The sender's CPU seconds (NaN where not measured). */
  cpuSeconds: number;
  /** The sender's peak RSS, bytes (NaN where not measured). */
  peakRss: number;
}

export interface Contender {
  name: string;
  /** Ratios of every contender to this one are computed per round. */
  reference?: boolean;
  run(): Promise<Measured>;
}

export interface ContenderResult {
  name: string;
  eventsPerS: Figure;
  cpuSecondsPerMillion: Figure;
  peakRssMB: Figure;
  /** This contender's events/s over a reference's, per round: by reference name. */
  ratios: Record<string, Figure>;
}

export interface Comparison {
  name: string;
  title: string;
  events: number;
  rounds: number;
  /** The contenders the ratios are to, in run order. */
  references: string[];
  contenders: ContenderResult[];
  notes: string[];
}

const comparisons: Comparison[] = [];
const figures: Record<string, Record<string, unknown>> = {};

/** Runs the contenders in turn, `rounds` times (peer, ours, peer, ours …), and records the result. */
export async function interleave(
  name: string,
  title: string,
  events: number,
  contenders: readonly Contender[],
  rounds = ROUNDS,
): Promise<Comparison> {
  const runs = contenders.map(() => [] as Measured[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, contender] of contenders.entries()) {
      const measured = await contender.run();
      runs[i]!.push(measured);
      console.log(
        `  round ${round + 1}/${rounds} ${contender.name}: ${f(measured.events / measured.seconds)} events/s, ` +
          `${((measured.cpuSeconds / measured.events) * 1e6).toFixed(1)} CPU-s/M, peak RSS ${Math.round(measured.peakRss / 1e6)} MB`,
      );
    }
  }
  const rate = (m: Measured) => m.events / m.seconds;
  const results = contenders.map((contender, i): ContenderResult => {
    const ratios: Record<string, Figure> = {};
    for (const [j, reference] of contenders.entries()) {
      if (reference.reference !== true || j === i) continue;
      ratios[reference.name] = figure(runs[i]!.map((m, round) => rate(m) / rate(runs[j]![round]!)));
    }
    return {
      name: contender.name,
      eventsPerS: figure(runs[i]!.map(rate)),
      cpuSecondsPerMillion: figure(runs[i]!.map((m) => (m.cpuSeconds / m.events) * 1e6)),
      peakRssMB: figure(runs[i]!.map((m) => m.peakRss / 1e6)),
      ratios,
    };
  });
  const references = contenders.filter((c) => c.reference === true).map((c) => c.name);
  const comparison = { name, title, events, rounds, references, contenders: results, notes: [] };
  comparisons.push(comparison);
  printComparison(comparison);
  return comparison;
}

/** A single figure (or a small object of them) for latest.json and the table. */
export function addFigure(benchmark: string, key: string, value: unknown): void {
  (figures[benchmark] ??= {})[key] = value;
}

export function addNote(comparison: Comparison, note: string): void {
  comparison.notes.push(note);
  console.log(`  ${note}`);
}

const f = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const d1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const d2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const range = (s: Figure, format: (n: number) => string) =>
  s.samples.length === 1 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;

/** The rows of a comparison, as Markdown table lines. */
export function comparisonRows(comparison: Comparison): string[] {
  const { references } = comparison;
  const rows = [
    `| ${['', 'events/s', 'CPU-s / M events', 'peak RSS MB', ...references.map((r) => `× ${r}`)].join(' | ')} |`,
    `|${' --- |'.repeat(4 + references.length)}`,
  ];
  for (const c of comparison.contenders) {
    const ratios = references.map((r) => (c.ratios[r] === undefined ? '' : range(c.ratios[r], d2)));
    rows.push(
      `| ${[c.name, range(c.eventsPerS, f), range(c.cpuSecondsPerMillion, d1), range(c.peakRssMB, f), ...ratios].join(' | ')} |`,
    );
  }
  return rows;
}

function printComparison(comparison: Comparison): void {
  console.log(
    `\n  ${comparison.title}: ${f(comparison.events)} events, median (min–max) of ${comparison.rounds} interleaved rounds`,
  );
  for (const row of comparisonRows(comparison)) console.log(`  ${row}`);
}

export interface Machine {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGB: number;
  node: string;
  syslogNg: string | null;
  gitCommit: string | null;
  events: number;
  rounds: number;
}

export function machine(events: number): Machine {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 1e8) / 10,
    node: process.version,
    syslogNg: findSyslogNg()?.version ?? null,
    gitCommit,
    events,
    rounds: ROUNDS,
  };
}

/** Writes JSON as `npm run format:check` wants it. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const text = JSON.stringify(value, null, 2);
  writeFileSync(path, await format(text, { ...(await resolveConfig(path)), filepath: path }));
}

/** Prints every comparison again as one table and writes them with the figures to `file`. */
export async function writeResults(file: string, events: number): Promise<void> {
  if (comparisons.length > 0) {
    console.log('\n## Summary');
    for (const comparison of comparisons) printComparison(comparison);
  }
  const path = `${RESULTS_DIR}${file}`;
  await writeJson(path, { machine: machine(events), comparisons, figures });
  console.log(`\nwrote ${path}`);
}
