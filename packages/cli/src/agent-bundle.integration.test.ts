// dist/agent/ (cloudsiem-agent.mjs and its chunks), built by scripts/build.mjs into a directory
// outside the repository and run from there with Node alone: it needs no node_modules, runs the agent with the heap limits of
// deploy/cloudsiem-agent.service (or the user's NODE_OPTIONS), and stops with exit 0 on SIGTERM
// (the signal reaches the agent's worker thread).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAgentToken } from '@cloudsiem/protocol';
import { AGENT_HEAP_LIMITS } from './agent-main.ts';

const BUILD = resolve(import.meta.dirname, '../../../scripts/build.mjs');
const MIB = 1024 * 1024;
// A loopback port nothing listens on: the agent keeps retrying its first pull until stopped.
const TOKEN = formatAgentToken({
  portalUrl: 'http://127.0.0.1:9',
  agentId: '0b6c1a8e-1f2a-4c3d-9e8f-1a2b3c4d5e6f',
  secret: 'a'.repeat(43),
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloudsiem-agent-bundle-'));
  execFileSync(process.execPath, [BUILD, '--agent', '--out', dir]);
  dir = join(dir, 'agent');
});
afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

/** Starts the bundle in `dir`, reads its start line, stops it with SIGTERM. */
async function startAndStop(env: Record<string, string>) {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [join(dir, 'cloudsiem-agent.mjs')], {
    cwd: dir,
    env: { ...inherited, CLOUDSIEM_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const started = await new Promise<{ heapSizeLimitBytes: number }>((resolve, reject) => {
      child.stdout.on('data', () => {
        const line = stdout.split('\n').find((l) => l.includes('"msg":"Agent started"'));
        if (line !== undefined) resolve(JSON.parse(line) as { heapSizeLimitBytes: number });
      });
      void exit.then((code) => reject(new Error(`exited (${code}) before starting: ${stderr}`)));
    });
    child.kill('SIGTERM');
    return { started, code: await exit, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('the agent download (dist/downloads)', () => {
  const downloads = () => join(dir, '..', 'downloads');

  it('is one file, its SHA-256 beside it, and the unit of deploy/ running it', () => {
    expect(readdirSync(downloads()).sort()).toEqual([
      'cloudsiem-agent.mjs',
      'cloudsiem-agent.mjs.sha256',
      'cloudsiem-agent.service',
    ]);
    const file = readFileSync(join(downloads(), 'cloudsiem-agent.mjs'));
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect(readFileSync(join(downloads(), 'cloudsiem-agent.mjs.sha256'), 'utf8')).toBe(
      `${sha256}  cloudsiem-agent.mjs\n`,
    );
    // Nothing loaded beside it: no chunk, no source map.
    // (esbuild writes its own imports with double quotes; the bundled JSDoc's `import('./…')` are comments.)
    const loadsBeside = /(?:from |import\()"\.\.?\/|sourceMappingURL/;
    expect(readFileSync(join(dir, 'cloudsiem-agent.mjs'), 'utf8')).toMatch(loadsBeside);
    expect(file.toString('utf8')).not.toMatch(loadsBeside);
    const unit = readFileSync(join(downloads(), 'cloudsiem-agent.service'), 'utf8');
    const original = readFileSync(
      resolve(import.meta.dirname, '../../../deploy/cloudsiem-agent.service'),
      'utf8',
    );
    const execStart = (text: string) => text.split('\n').filter((l) => l.startsWith('ExecStart='));
    expect(execStart(unit)).toEqual([
      'ExecStart=/usr/bin/env node /opt/cloudsiem/cloudsiem-agent.mjs --token-file ${CREDENTIALS_DIRECTORY}/token --logsDirectory /var/log/cloudsiem-agent',
    ]);
    // Every other setting (sandboxing, restarts, heap limits) is the repository's.
    const settings = (text: string) =>
      text.split('\n').filter((l) => /^[A-Z]\w*=/.test(l) && !l.startsWith('ExecStart='));
    expect(settings(unit)).toEqual(settings(original));
  });
});

describe('the agent bundle', () => {
  it('is the entry and the chunks it loads, ES modules with their source maps', () => {
    const files = readdirSync(dir);
    expect(files).toContain('cloudsiem-agent.mjs');
    for (const file of files) expect(file).toMatch(/^(cloudsiem-agent|agent-[A-Z0-9]+)\.mjs(\.map)?$/);
  });

  it("runs from a directory outside the repository with the unit's heap limits, and stops on SIGTERM", async () => {
    const run = await startAndStop({});
    const { maxOldSpaceMb, maxSemiSpaceMb } = AGENT_HEAP_LIMITS;
    // What `node --max-old-space-size=192 --max-semi-space-size=8` reports: old space + 3 semi-spaces.
    expect(run.started.heapSizeLimitBytes).toBe((maxOldSpaceMb + 3 * maxSemiSpaceMb) * MIB);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('cloudsiem agent: stopped');
  });

  it("leaves the heap to the user's NODE_OPTIONS", async () => {
    const run = await startAndStop({ NODE_OPTIONS: '--max-old-space-size=100' });
    expect(run.started.heapSizeLimitBytes).toBeLessThan(150 * MIB);
    expect(run.started.heapSizeLimitBytes).not.toBe((192 + 24) * MIB);
    expect(run.code, run.stderr).toBe(0);
  });

  it('runs with V8 sizing the heap for the machine when asked', async () => {
    const run = await startAndStop({ CLOUDSIEM_AGENT_HEAP_LIMITS: 'off' });
    expect(run.started.heapSizeLimitBytes).toBeGreaterThan(256 * MIB);
    expect(run.code, run.stderr).toBe(0);
  });
});
