// The rotating log file on real files in a tmp dir: rotation bounds, line order, errors, pino.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRotatingLogFile, type RotatingLogFile } from './log-file.ts';

let tmp: string;
const opened: RotatingLogFile[] = [];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudsiem-log-file-'));
});
afterEach(() => {
  for (const file of opened.splice(0)) file.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function open(
  options: Omit<Parameters<typeof createRotatingLogFile>[0], 'directory'> & { directory?: string },
) {
  const file = createRotatingLogFile({ directory: tmp, ...options });
  opened.push(file);
  return file;
}

/** The log files in `directory`, oldest first (name.log.N … name.log.1, name.log). */
function filesOldestFirst(directory: string, fileName = 'cloudsiem-agent.log'): string[] {
  const index = (name: string) => (name === fileName ? 0 : Number(name.slice(fileName.length + 1)));
  return fs
    .readdirSync(directory)
    .filter((name) => name === fileName || name.startsWith(`${fileName}.`))
    .sort((a, b) => index(b) - index(a));
}

function read(directory: string, name: string): string {
  return fs.readFileSync(path.join(directory, name), 'utf8');
}

describe('createRotatingLogFile', () => {
  it('creates the directory and the file with the default name, owner-and-group only', () => {
    const directory = path.join(tmp, 'nested', 'logs');
    const file = open({ directory });
    expect(file.path).toBe(path.join(directory, 'cloudsiem-agent.log'));
    expect(file.write('hello\n')).toBe(true);
    expect(read(directory, 'cloudsiem-agent.log')).toBe('hello\n');
    if (process.platform !== 'win32') {
      // The umask may take bits away, never add them.
      expect(fs.statSync(directory).mode & 0o777 & ~0o750).toBe(0);
      expect(fs.statSync(file.path).mode & 0o777 & ~0o640).toBe(0);
    }
  });

  it('appends to an existing file and counts its size towards the first rotation', () => {
    fs.writeFileSync(path.join(tmp, 'agent.log'), 'x'.repeat(8) + '\n');
    const file = open({ fileName: 'agent.log', maxBytes: 12 });
    file.write('abc\n');
    expect(read(tmp, 'agent.log.1')).toBe('xxxxxxxx\n');
    expect(read(tmp, 'agent.log')).toBe('abc\n');
  });

  it('keeps at most maxFiles files, the newest lines in the current file, every line in order', () => {
    const maxBytes = 100;
    const maxFiles = 3;
    const file = open({ maxBytes, maxFiles });
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'.'.repeat(i % 17)}\n`);
    for (const line of lines) expect(file.write(line)).toBe(true);

    const names = filesOldestFirst(tmp);
    expect(names).toEqual(['cloudsiem-agent.log.2', 'cloudsiem-agent.log.1', 'cloudsiem-agent.log']);
    const contents = names.map((name) => read(tmp, name));
    for (const content of contents) expect(Buffer.byteLength(content)).toBeLessThanOrEqual(maxBytes);
    // What survives is exactly the tail of what was written, in order, no line cut across files.
    const kept = contents.join('');
    expect(lines.join('').endsWith(kept)).toBe(true);
    expect(kept.startsWith('line ')).toBe(true);
    expect(read(tmp, 'cloudsiem-agent.log').endsWith(lines.at(-1)!)).toBe(true);
    expect(file.droppedWrites).toBe(0);
  });

  it('writes a chunk larger than maxBytes whole, alone in a fresh file, and bounds the total', () => {
    const maxBytes = 50;
    const maxFiles = 4;
    const file = open({ maxBytes, maxFiles });
    const big = `${'B'.repeat(120)}\n`;
    file.write(big); // into the empty file: nothing to rotate away
    expect(filesOldestFirst(tmp)).toEqual(['cloudsiem-agent.log']);
    file.write('small 1\n');
    file.write(big);
    file.write('small 2\n');
    expect(filesOldestFirst(tmp).map((name) => read(tmp, name))).toEqual([
      big,
      'small 1\n',
      big,
      'small 2\n',
    ]);

    for (let i = 0; i < 100; i += 1) file.write(i % 10 === 0 ? big : `small ${i}\n`);
    const names = filesOldestFirst(tmp);
    expect(names.length).toBe(maxFiles);
    const total = names.reduce((sum, name) => sum + fs.statSync(path.join(tmp, name)).size, 0);
    expect(total).toBeLessThanOrEqual(maxFiles * maxBytes + Buffer.byteLength(big));
  });

  it('counts bytes, not characters, against maxBytes', () => {
    const file = open({ maxBytes: 10 });
    file.write('ééééé\n'); // 11 bytes, 6 characters: over the limit alone
    file.write('a\n');
    expect(read(tmp, 'cloudsiem-agent.log.1')).toBe('ééééé\n');
    expect(read(tmp, 'cloudsiem-agent.log')).toBe('a\n');
  });

  it('with maxFiles 1 keeps only the current file', () => {
    const file = open({ maxBytes: 10, maxFiles: 1 });
    for (let i = 0; i < 10; i += 1) file.write(`line ${i}\n`);
    expect(filesOldestFirst(tmp)).toEqual(['cloudsiem-agent.log']);
    expect(read(tmp, 'cloudsiem-agent.log')).toBe('line 9\n');
  });

  it('removes rotated files left beyond maxFiles by an earlier run', () => {
    for (const suffix of ['.1', '.2', '.7'])
      fs.writeFileSync(path.join(tmp, `cloudsiem-agent.log${suffix}`), 'old\n');
    fs.writeFileSync(path.join(tmp, 'cloudsiem-agent.log.bak'), 'not ours\n');
    const file = open({ maxBytes: 5, maxFiles: 2 });
    file.write('one\n');
    file.write('two\n');
    expect(fs.readdirSync(tmp).sort()).toEqual([
      'cloudsiem-agent.log',
      'cloudsiem-agent.log.1',
      'cloudsiem-agent.log.bak',
    ]);
    expect(read(tmp, 'cloudsiem-agent.log.1')).toBe('one\n');
  });

  it('names the path when the directory cannot be created', () => {
    const blocker = path.join(tmp, 'a-file');
    fs.writeFileSync(blocker, '');
    const directory = path.join(blocker, 'logs');
    expect(() => createRotatingLogFile({ directory })).toThrow(`cannot write logs to ${directory}: ENOTDIR`);
  });

  it('names the path when the file cannot be opened', () => {
    fs.mkdirSync(path.join(tmp, 'cloudsiem-agent.log'));
    expect(() => createRotatingLogFile({ directory: tmp })).toThrow(
      `cannot write logs to ${path.join(tmp, 'cloudsiem-agent.log')}: EISDIR`,
    );
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)(
    'names the path when the directory is not writable (EACCES)',
    () => {
      const directory = path.join(tmp, 'read-only');
      fs.mkdirSync(directory, { mode: 0o500 });
      expect(() => createRotatingLogFile({ directory })).toThrow(
        `cannot write logs to ${path.join(directory, 'cloudsiem-agent.log')}: EACCES (permission denied)`,
      );
    },
  );

  it('rejects options it cannot honour, all at once', () => {
    expect(() =>
      createRotatingLogFile({ directory: tmp, fileName: '../x.log', maxBytes: 0, maxFiles: 0 }),
    ).toThrow(/fileName: .*; maxBytes: .*; maxFiles: /);
  });

  it.skipIf(!fs.existsSync('/dev/full'))('drops and counts writes that fail, never throwing', () => {
    // /dev/full answers every write with ENOSPC: a real full disk.
    const file = open({ directory: '/dev', fileName: 'full' });
    expect(file.write('lost 1\n')).toBe(false);
    expect(file.write('lost 2\n')).toBe(false);
    expect(() => file.flushSync()).not.toThrow();
    expect(file.droppedWrites).toBe(2);
  });

  it('drops writes while the directory is gone and resumes once it is back', () => {
    const directory = path.join(tmp, 'logs');
    const file = open({ directory, maxBytes: 10 });
    expect(file.write('before 1\n')).toBe(true);
    fs.rmSync(directory, { recursive: true });
    fs.writeFileSync(directory, ''); // rotation and reopening now fail with ENOTDIR
    expect(file.write('during 1\n')).toBe(false);
    expect(file.write('during 2\n')).toBe(false);
    expect(file.droppedWrites).toBe(2);
    fs.rmSync(directory);
    fs.mkdirSync(directory);
    expect(file.write('after 1\n')).toBe(true);
    expect(read(directory, 'cloudsiem-agent.log')).toBe('after 1\n');
    expect(file.droppedWrites).toBe(2);
  });

  it('drops and counts writes after end()', () => {
    const file = open({});
    file.write('kept\n');
    file.end();
    expect(file.write('late\n')).toBe(false);
    expect(file.droppedWrites).toBe(1);
    expect(read(tmp, 'cloudsiem-agent.log')).toBe('kept\n');
  });

  it('works as a pino destination, rotating between whole JSON lines', () => {
    const file = open({ maxBytes: 300, maxFiles: 10 });
    const logger = pino({ base: undefined }, file);
    for (let i = 0; i < 20; i += 1) logger.info({ seq: i }, 'Polled the portal');
    logger.fatal('Stopping');

    const lines = filesOldestFirst(tmp)
      .map((name) => read(tmp, name))
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
    expect(filesOldestFirst(tmp).length).toBeGreaterThan(1);
    expect(lines.map((line) => line.seq)).toEqual([...Array.from({ length: 20 }, (_, i) => i), undefined]);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'Polled the portal', seq: 0 });
    expect(lines.at(-1)).toMatchObject({ level: 60, msg: 'Stopping' });
  });
});
