// A child process the tests drive (a daemon, the cloudsiem CLI) with its output collected: stdout
// and stderr apart and together, killed with the test worker if it is still running then.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Child {
  readonly process: ChildProcess;
  stdout = '';
  stderr = '';
  /** stdout and stderr as they came, interleaved. */
  output = '';
  /** Resolves on 'close', not 'exit': it comes after the last of stdout/stderr, so the output is complete. */
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | undefined;

  constructor(
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ) {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stdout += text;
      this.output += text;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderr += text;
      this.output += text;
    });
    this.exited = new Promise((resolveExit) => {
      child.once('close', (code, signal) => {
        process.removeListener('exit', killOnExit);
        this.#exit = { code, signal };
        resolveExit(this.#exit);
      });
    });
    child.once('error', (error) => {
      const text = `spawn failed: ${error.message}\n`;
      this.stderr += text;
      this.output += text;
    });
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async terminate(graceMs: number): Promise<ChildExit> {
    if (this.running) this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL, as a crash or `kill -9` would: no chance to flush or say goodbye. */
  kill(): Promise<ChildExit> {
    this.process.kill('SIGKILL');
    return this.exited;
  }
}
