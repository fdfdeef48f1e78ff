// The `cloudsiem agent` command alone: the entry of dist/agent/cloudsiem-agent.mjs (scripts/build.mjs),
// a self-contained folder that `node cloudsiem-agent.mjs --token-file FILE` runs with Node only, and
// that the launcher loads for `cloudsiem agent` so the agent never loads the portal's code.
//
// V8 sizes its heap for the machine (a 4 GB old space here) and grows it lazily, so a draining agent
// peaks far above what it needs. The limits cannot be changed once the isolate runs
// (v8.setFlagsFromString('--max-old-space-size=…') leaves heap_size_limit as it was), and Node 20
// cannot exec itself again with flags (process.execve came in Node 22.15); a second process would
// add its own ~40 MB. So the agent runs in a worker thread of this process, whose isolate gets the
// limits (resourceLimits), unless the user set limits through NODE_OPTIONS or node's flags: then
// theirs apply and no worker is started.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { runCommand } from './run-command.ts';

/** The heap limits of deploy/cloudsiem-agent.service: --max-old-space-size=192 --max-semi-space-size=8. */
export const AGENT_HEAP_LIMITS = { maxOldSpaceMb: 192, maxSemiSpaceMb: 8 } as const;

/** Set to `off` to run the agent with V8's own heap sizing. */
export const HEAP_LIMITS_ENV = 'CLOUDSIEM_AGENT_HEAP_LIMITS';

const HEAP_FLAGS = /(?:^|\s)--max[-_](?:old[-_]space|semi[-_]space|heap)[-_]size\b/;

/** Why the agent runs without our limits, or null when it should get them. */
export function ownHeapLimits(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): string | null {
  if (env[HEAP_LIMITS_ENV] === 'off') return `${HEAP_LIMITS_ENV}=off`;
  if (HEAP_FLAGS.test(env.NODE_OPTIONS ?? '')) return 'NODE_OPTIONS';
  if (execArgv.some((flag) => HEAP_FLAGS.test(flag))) return "node's flags";
  return null;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Runs the agent in a worker with the heap limits; resolves with its exit code. */
function runInWorker(entry: URL, argv: string[]): Promise<number> {
  const { maxOldSpaceMb, maxSemiSpaceMb } = AGENT_HEAP_LIMITS;
  const worker = new Worker(entry, {
    argv,
    // V8's young generation is three semi-spaces: --max-semi-space-size=8 is a 24 MB young generation.
    resourceLimits: { maxOldGenerationSizeMb: maxOldSpaceMb, maxYoungGenerationSizeMb: 3 * maxSemiSpaceMb },
  });
  // Signals reach the main thread only: the first is handed on (the agent finishes its batch and
  // exits 0); a second one ends the process at once, as it would without a worker.
  const forward = (signal: NodeJS.Signals): void => {
    process.removeListener(signal, forward);
    worker.postMessage({ signal });
  };
  for (const signal of SIGNALS) process.on(signal, forward);
  return new Promise((resolve) => {
    let failed = false;
    worker.on('error', (error) => {
      failed = true;
      process.stderr.write(`cloudsiem agent: ${error.message}\n`);
    });
    worker.on('exit', (code) => {
      for (const signal of SIGNALS) process.removeListener(signal, forward);
      resolve(failed && code === 0 ? 1 : code);
    });
  });
}

/** In the worker: the signals the main thread hands on, raised here for the agent's listeners. */
function receiveSignals(): void {
  parentPort?.on('message', (message: { signal?: NodeJS.Signals }) => {
    if (message.signal !== undefined) process.emit(message.signal, message.signal);
  });
  // Listening must not keep the worker alive once the agent has stopped.
  parentPort?.unref();
}

const loadAgent = async () => (await import('./commands/agent.ts')).agent;

export async function agentMain(argv: string[]): Promise<number> {
  const entry = new URL(import.meta.url);
  // The TypeScript sources (development, through tsx) cannot be loaded by a worker: run in process.
  if (isMainThread && !entry.pathname.endsWith('.ts') && ownHeapLimits() === null)
    return runInWorker(entry, argv);
  if (!isMainThread) receiveSignals();
  return runCommand('agent', loadAgent, argv);
}

function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Run as a script (`node cloudsiem-agent.mjs …`, or the worker above), not imported by the launcher.
if (isEntry()) process.exitCode = await agentMain(process.argv.slice(2));
