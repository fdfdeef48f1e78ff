// A backlog of activities as an NDJSON file (one record of ~800 bytes a line, records.ts), written
// once per run by a child process so the benchmark's own heap and RSS stay those of an agent, and
// read back a page of lines at a time.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateActivities } from './records.ts';

const SEED = 1;
const LF = 0x0a;

export interface ActivityFile {
  path: string;
  records: number;
  bytes: number;
}

const written = new Map<number, Promise<ActivityFile>>();
let directory: string | undefined;

/** The file of the first `records` activities of seed 1; written on first use, deleted at exit. */
export function activityFile(records: number): Promise<ActivityFile> {
  let file = written.get(records);
  if (file === undefined) {
    file = writeInChild(records);
    written.set(records, file);
  }
  return file;
}

async function writeInChild(records: number): Promise<ActivityFile> {
  if (directory === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-'));
    directory = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(directory, `activities-${records}.ndjson`);
  // The same loader flags (tsx) as this process, so the child can run this TypeScript file.
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, script, path, `${records}`], {
    stdio: 'inherit',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`writing ${path} failed (exit code ${code})`);
  return { path, records, bytes: statSync(path).size };
}

function writeFile(path: string, records: number): void {
  const fd = openSync(path, 'w');
  try {
    const activities = generateActivities(SEED);
    for (let done = 0; done < records;) {
      const lines: string[] = [];
      for (const end = Math.min(records, done + 1000); done < end; done++)
        lines.push(JSON.stringify(activities.next().value));
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a file a given number of LF-terminated lines at a time, through one reused buffer. */
export class LineReader {
  readonly #handle: FileHandle;
  #buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  /** The bytes read so far: #buffer[0, end); those from #start on are unread. */
  #view = this.#buffer.subarray(0, 0);
  #start = 0;
  #eof = false;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(path: string): Promise<LineReader> {
    return new LineReader(await open(path, 'r'));
  }

  /** Up to `limit` lines (without their LF); fewer only at the end of the file. */
  async lines(limit: number): Promise<string[]> {
    const out: string[] = [];
    while (out.length < limit) {
      const lf = this.#view.indexOf(LF, this.#start);
      if (lf !== -1) {
        if (lf > this.#start) out.push(this.#view.toString('utf8', this.#start, lf));
        this.#start = lf + 1;
      } else if (this.#eof) {
        if (this.#view.length > this.#start) out.push(this.#view.toString('utf8', this.#start));
        this.#start = this.#view.length;
        break;
      } else {
        await this.#fill();
      }
    }
    return out;
  }

  /** Moves the unread bytes to the front (growing the buffer for a long line) and reads more. */
  async #fill(): Promise<void> {
    const unread = this.#view.length - this.#start;
    if (unread === this.#buffer.length) {
      const bigger = Buffer.allocUnsafe(this.#buffer.length * 2);
      this.#buffer.copy(bigger, 0, this.#start);
      this.#buffer = bigger;
    } else if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#view.length);
    }
    const { bytesRead } = await this.#handle.read(this.#buffer, unread, this.#buffer.length - unread, null);
    if (bytesRead === 0) this.#eof = true;
    this.#start = 0;
    this.#view = this.#buffer.subarray(0, unread + bytesRead);
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

// Run as a child by activityFile(): node <loader flags> activity-file.ts PATH RECORDS
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFile(process.argv[2]!, Number(process.argv[3]));
}
