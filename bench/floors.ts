// The floors in the same run, what a sender cannot beat on this machine: the Node parse-and-write
// floor (read the NDJSON in 1 MiB chunks, JSON.parse every line, write the raw lines: no CEF) and
// a bare copy (a C program compiled at run time with `cc -O2`: read the file, write its bytes to
// the sink; without a compiler, a Node socket piping the file, no parsing). Both are children;
// their CPU and peak RSS come from /proc, their time from the sink (first byte to last line).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivityFile } from './activity-file.ts';
import { meterSender, type CountingSink, type SenderRun } from './counting-sink.ts';

export type FloorRun = SenderRun;

const NODE_FLOOR = `
const fs = require('node:fs');
const net = require('node:net');
const { once } = require('node:events');
const [path, port] = process.argv.slice(1);
const socket = net.connect(Number(port), '127.0.0.1', async () => {
  let rest = '';
  let parsed = 0;
  const stream = fs.createReadStream(path, { highWaterMark: 1024 * 1024, encoding: 'utf8' });
  for await (const chunk of stream) {
    const lines = (rest + chunk).split('\\n');
    rest = lines.pop();
    for (const line of lines) if (JSON.parse(line).id !== undefined) parsed++;
    if (!socket.write(lines.join('\\n') + '\\n')) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'finish');
  // Stays until the benchmark has read its CPU and RSS (it kills this process).
  setInterval(() => {}, 1000);
});
`;

const NODE_PIPE = `
const fs = require('node:fs');
const net = require('node:net');
const [path, port] = process.argv.slice(1);
const socket = net.connect(Number(port), '127.0.0.1', () => {
  fs.createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(socket);
  setInterval(() => {}, 1000);
});
`;

const C_COPY = `
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
static char buffer[1 << 20];
int main(int argc, char **argv) {
  int in = open(argv[1], O_RDONLY);
  int out = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (in < 0 || out < 0 || connect(out, (struct sockaddr *)&address, sizeof address) != 0) return 1;
  ssize_t n;
  while ((n = read(in, buffer, sizeof buffer)) > 0)
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buffer + done, n - done);
      if (w <= 0) return 1;
      done += w;
    }
  shutdown(out, SHUT_WR);
  pause();
  return 0;
}
`;

export interface CopyFloor {
  /** "C (cc -O2)" or "Node pipe (no compiler)". */
  kind: string;
  command: string[];
  close(): void;
}

/** The bare copy: compiles the C program once, or falls back to a Node pipe without a compiler. */
export function copyFloor(): CopyFloor {
  const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-floor-'));
  const close = () => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(join(dir, 'copy.c'), C_COPY);
    execFileSync('cc', ['-O2', '-o', join(dir, 'copy'), join(dir, 'copy.c')], { stdio: 'pipe' });
    return { kind: 'C copy (cc -O2)', command: [join(dir, 'copy')], close };
  } catch {
    return { kind: 'Node pipe (no C compiler)', command: [process.execPath, '-e', NODE_PIPE], close };
  }
}

/** One run of a floor program (`command` gets the file and the sink's port) until the sink has every line. */
async function measure(command: string[], sink: CountingSink, file: ActivityFile): Promise<FloorRun> {
  const { done } = await sink.expect(file.records);
  const child = spawn(command[0]!, [...command.slice(1), file.path, String(sink.port)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = once(child, 'exit');
  try {
    return await meterSender({ name: `the floor ${command[0]}`, child, exited }, done);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}

export function measureNodeFloor(sink: CountingSink, file: ActivityFile): Promise<FloorRun> {
  return measure([process.execPath, '-e', NODE_FLOOR], sink, file);
}

export function measureCopyFloor(
  floor: CopyFloor,
  sink: CountingSink,
  file: ActivityFile,
): Promise<FloorRun> {
  return measure(floor.command, sink, file);
}
