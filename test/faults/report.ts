// The fault runs' table (docs/RELIABILITY.md, between the faults:table markers): one row per
// scenario with what was ingested, missing, duplicated, the agent's peak memory and recovery times,
// headed by the machine, the commit and the command that reproduces it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import * as prettier from 'prettier';
import type { ScenarioResult } from './runner.ts';

export const TABLE_START = '<!-- faults:table:start -->';
export const TABLE_END = '<!-- faults:table:end -->';

export interface RunInfo {
  date: string;
  commit: string;
  machine: string;
  command: string;
  seed: number;
  events: number;
  totalMs: number;
}

export function runInfo(
  root: string,
  command: string,
  seed: number,
  events: number,
  totalMs: number,
): RunInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (dirty.trim() !== '') commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
    machine: `${cpus().length} cores (${model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`,
    command,
    seed,
    events,
    totalMs,
  };
}

const seconds = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
const mib = (bytes: number): string => (bytes === 0 ? '—' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const count = (n: number): string => n.toLocaleString('en-US');

export function verdict(result: ScenarioResult): string {
  if (result.skipped !== undefined) return `skipped: ${result.skipped}`;
  if (result.error !== undefined) return `**ERROR**: ${result.error}`;
  if (result.informational) return result.timedOut ? 'info (timed out)' : 'info';
  if (result.passed) return 'pass';
  const why = [
    ...(result.missing > 0 ? ['missing'] : []),
    ...(result.duplicates > result.duplicateBound ? ['duplicates over bound'] : []),
    ...(result.timedOut ? ['over time bound'] : []),
  ];
  return `**FAIL** (${why.join(', ')})`;
}

/** The table as Markdown: one row per scenario, UDP's counts in its own column. */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const rows = [
    '| Scenario | Transport | Events | Missing | Duplicates (bound) | Max agent RSS | Recovery: first line / drained | Time (bound) | Result |',
    '|---|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of results) {
    const name = `\`${r.id}\`: ${r.title}${r.notes.length > 0 ? ` (${r.notes.join('; ')})` : ''}`;
    const transport = r.store === 'postgres' ? `${r.transport}, PostgreSQL` : r.transport;
    if (r.skipped !== undefined || r.error !== undefined) {
      rows.push(`| ${name} | ${transport} | — | — | — | — | — | — | ${verdict(r)} |`);
      continue;
    }
    const missing =
      r.udp === undefined
        ? count(r.missing)
        : `sent ${count(r.udp.sent)}, received ${count(r.udp.received)}: lost ${r.udp.lostPercent.toFixed(2)} %, truncated ${count(r.udp.truncated)}`;
    const bound = `${count(r.duplicateBound)}${r.boundSource === 'estimate' ? ' est.' : ''}`;
    rows.push(
      `| ${name} | ${transport} | ${count(r.events)} | ${missing} | ${count(r.duplicates)} (${bound}) | ${mib(r.maxAgentRssBytes)} | ` +
        `${seconds(r.recoveryFirstLineMs)} / ${seconds(r.recoveryDrainedMs)} | ${seconds(r.durationMs)} (${seconds(r.timeBoundMs)}) | ${verdict(r)} |`,
    );
  }
  return rows.join('\n');
}

/** The text between the markers: when, where, how to reproduce, then the table. */
export function tableSection(info: RunInfo, results: readonly ScenarioResult[]): string {
  return [
    `Last full run: ${info.date}, commit ${info.commit}; ${info.machine}.`,
    `Reproduce: \`${info.command}\` (seed ${info.seed}, ${count(info.events)} events per scenario; ` +
      `the whole run took ${(info.totalMs / 60_000).toFixed(1)} min).`,
    '',
    markdownTable(results),
    '',
  ].join('\n');
}

/**
 * Rewrites what lies between the markers of `path`; the rest of the file is left as it is. The
 * result goes through the project's prettier settings, so `npm run format:check` stays green.
 */
export async function rewriteTable(path: string, section: string): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start)
    throw new Error(`${path}: the faults:table markers are missing`);
  const rewritten = `${text.slice(0, start + TABLE_START.length)}\n${section}${text.slice(end)}`;
  const options = (await prettier.resolveConfig(path)) ?? {};
  writeFileSync(path, await prettier.format(rewritten, { ...options, filepath: path }));
}
