// The agent's log file under --logsDirectory: synchronous appends, rotated by size (name.log → name.log.1
// → … → name.log.<maxFiles-1>). Usable directly as a pino destination (pino calls write(string)).
import fs from 'node:fs';
import path from 'node:path';

export interface RotatingLogFileOptions {
  /** Created (mode 0o750) when missing. */
  directory: string;
  /** Default 'cloudsiem-agent.log'. A plain file name, no directory part. */
  fileName?: string;
  /** Rotate before a write would take the current file past this size. Default 10 MiB. */
  maxBytes?: number;
  /** The current file plus maxFiles-1 rotated ones. Default 5. */
  maxFiles?: number;
}

export interface RotatingLogFile {
  /**
   * Appends the chunk synchronously. True when written; false when dropped (a write error, or after
   * end()). Never throws, and false is not backpressure: no 'drain' follows.
   */
  write(chunk: string): boolean;
  /** Asks the OS to put what was written on disk (pino calls this after a fatal line). Never throws. */
  flushSync(): void;
  /** Closes the file; later writes are dropped. */
  end(): void;
  /** The current file's absolute path. */
  readonly path: string;
  /** Chunks that could not be written since creation. */
  readonly droppedWrites: number;
}

export const DEFAULT_LOG_FILE_NAME = 'cloudsiem-agent.log';
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_MAX_FILES = 5;

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'the log file path is a directory',
  ENOSPC: 'no space left on device',
  EEXIST: 'a file is in the way of the directory',
};

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && REASONS[code] !== undefined) return `${code} (${REASONS[code]})`;
  return error instanceof Error ? error.message : String(error);
}

function checkOptions(options: RotatingLogFileOptions, fileName: string, maxBytes: number, maxFiles: number) {
  const problems: string[] = [];
  if (typeof options.directory !== 'string' || options.directory === '') {
    problems.push('directory: must be a non-empty path');
  }
  if (fileName === '' || fileName !== path.basename(fileName) || fileName === '.' || fileName === '..') {
    problems.push(`fileName: must be a plain file name, got ${JSON.stringify(fileName)}`);
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    problems.push(`maxBytes: must be a positive integer, got ${maxBytes}`);
  }
  if (!Number.isSafeInteger(maxFiles) || maxFiles < 1) {
    problems.push(`maxFiles: must be an integer ≥ 1, got ${maxFiles}`);
  }
  if (problems.length > 0) throw new Error(`invalid log file options: ${problems.join('; ')}`);
}

export function createRotatingLogFile(options: RotatingLogFileOptions): RotatingLogFile {
  const fileName = options.fileName ?? DEFAULT_LOG_FILE_NAME;
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const maxFiles = options.maxFiles ?? DEFAULT_LOG_MAX_FILES;
  checkOptions(options, fileName, maxBytes, maxFiles);
  const directory = path.resolve(options.directory);
  const filePath = path.join(directory, fileName);

  try {
    fs.mkdirSync(directory, { recursive: true, mode: 0o750 });
  } catch (error) {
    throw new Error(`cannot write logs to ${directory}: ${describe(error)}`, { cause: error });
  }

  let fd: number | null = null;
  let size = 0;
  let ended = false;
  let droppedWrites = 0;

  // The mode applies only when the file is created; an existing file keeps its own.
  const open = (): void => {
    fd = fs.openSync(filePath, 'a', 0o640);
    size = fs.fstatSync(fd).size;
  };

  const close = (): void => {
    if (fd === null) return;
    const closing = fd;
    fd = null;
    try {
      fs.closeSync(closing);
    } catch {
      // The descriptor is released even when close reports an error; nothing to retry.
    }
  };

  try {
    open();
  } catch (error) {
    close();
    throw new Error(`cannot write logs to ${filePath}: ${describe(error)}`, { cause: error });
  }

  const rotatedPath = (index: number): string => (index === 0 ? filePath : `${filePath}.${index}`);

  // Each step may fail on its own (a file removed under us, a permission changed); the next write
  // retries the rotation, and the current file keeps growing meanwhile rather than losing lines.
  const rotate = (): void => {
    close();
    removeStale();
    for (let index = maxFiles - 1; index >= 1; index -= 1) {
      try {
        // rename replaces the target, so the oldest file (index maxFiles-1) is dropped here.
        fs.renameSync(rotatedPath(index - 1), rotatedPath(index));
      } catch {
        // A gap in the numbering (ENOENT) is normal after a crash or a manual clean-up.
      }
    }
    if (maxFiles === 1) {
      try {
        fs.unlinkSync(filePath);
      } catch {
        // Reopening in append mode below keeps writing to the old file.
      }
    }
    open();
  };

  // Rotated files beyond maxFiles, e.g. left by an earlier run with a larger maxFiles.
  const removeStale = (): void => {
    let names: string[];
    try {
      names = fs.readdirSync(directory);
    } catch {
      return;
    }
    const prefix = `${fileName}.`;
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const suffix = name.slice(prefix.length);
      if (!/^[1-9][0-9]*$/.test(suffix) || Number(suffix) < maxFiles) continue;
      try {
        fs.unlinkSync(path.join(directory, name));
      } catch {
        // Left for the next rotation.
      }
    }
  };

  const writeAll = (bytes: Buffer): void => {
    let offset = 0;
    // writeSync may write fewer bytes than asked; loop so a line is never cut short.
    while (offset < bytes.length) {
      offset += fs.writeSync(fd!, bytes, offset, bytes.length - offset);
    }
  };

  return {
    path: filePath,
    get droppedWrites() {
      return droppedWrites;
    },
    write(chunk: string): boolean {
      if (ended) {
        droppedWrites += 1;
        return false;
      }
      try {
        const bytes = Buffer.from(chunk, 'utf8');
        if (fd === null) open();
        // A chunk larger than maxBytes goes alone into a fresh file rather than being refused.
        if (size > 0 && size + bytes.length > maxBytes) rotate();
        writeAll(bytes);
        size += bytes.length;
        return true;
      } catch {
        // Logging must never take the agent down; the count lets the caller report the loss.
        // Reopening on the next write re-reads the real size after a partial write.
        close();
        droppedWrites += 1;
        return false;
      }
    },
    flushSync(): void {
      if (fd === null) return;
      try {
        fs.fsyncSync(fd);
      } catch {
        // Some file systems refuse fsync; the bytes are with the OS already.
      }
    },
    end(): void {
      ended = true;
      close();
    },
  };
}
