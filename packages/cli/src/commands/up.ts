// `cloudsiem up`: the main job. Until the portal and the agent land (see README), this is a demo
// of the data path that already exists: sample activities and alerts → CEF encoder → syslog TCP
// sender → a local receiver that appends every line to data/received.cef.
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createActivityEncoder, createAlertEncoder } from '@cloudsiem/cef';
import { createSender, startReceiver } from '@cloudsiem/syslog';
import { activitySchema, alertSchema, type Activity, type Alert } from '@cloudsiem/protocol';
import { parseCommandArgs, parsePort } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';
import { untilSignal } from '../signals.ts';

const USAGE = `Usage: cloudsiem up [--port N] [--rate EVENTS_PER_S] [--data-dir DIR]

Demo until the portal and agent exist: a syslog receiver on 127.0.0.1:PORT (default 5514) appends
every line it receives to DIR/received.cef (default ./data), fed with sample activities and alerts
through the real CEF encoder and syslog sender. Ctrl-C stops it.`;

const FIXTURES = resolve(import.meta.dirname, '../../../cef/fixtures/mcas-compat.jsonl');
const STATUS_INTERVAL_MS = 5_000;
const TICK_MS = 200;

interface Samples {
  activities: Activity[];
  alerts: Alert[];
}

/** The records of Microsoft's published samples, as templates for the demo's events. */
function loadSamples(): Samples {
  const samples: Samples = { activities: [], alerts: [] };
  for (const line of readFileSync(FIXTURES, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { kind, record } = JSON.parse(line) as { kind: string; record: unknown };
    if (kind === 'activity') samples.activities.push(activitySchema.parse(record));
    else samples.alerts.push(alertSchema.parse(record));
  }
  return samples;
}

export const up: Command = async (argv) => {
  const { values } = parseCommandArgs(
    argv,
    { port: { type: 'string' }, rate: { type: 'string' }, 'data-dir': { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = parsePort(values.port ?? '5514', '--port');
  const rate = Number(values.rate ?? '50');
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100_000) {
    throw new CliError(`--rate must be a number of events per second from 1 to 100000, got ${values.rate}`);
  }
  const dataDir = resolve(values['data-dir'] ?? 'data');
  mkdirSync(dataDir, { recursive: true });
  const outputPath = join(dataDir, 'received.cef');

  const output = createWriteStream(outputPath, { flags: 'a' });
  let received = 0;
  const receiver = await startReceiver({
    protocol: 'tcp',
    host: '127.0.0.1',
    port,
    framing: 'lf',
    onMessage: (message) => {
      received++;
      output.write(`${message}\n`);
    },
  });

  const settings = {
    format: 'generic',
    timeFormat: 'rfc5424',
    includePri: false,
    systemName: null,
    portalUrl: 'http://localhost:8080',
    deviceVersion: '0.1.0',
  } as const;
  const encodeActivity = createActivityEncoder(settings);
  const encodeAlert = createAlertEncoder(settings);
  const samples = loadSamples();
  const sender = createSender({ protocol: 'tcp', host: '127.0.0.1', port: receiver.port });

  // Listen for signals before announcing ourselves: Ctrl-C may come the moment the banner shows.
  const stopped = untilSignal();
  process.stdout.write(
    `cloudsiem up (demo until the agent lands: receiver + encoder; run the portal with 'cloudsiem portal')\n` +
      `  syslog receiver  127.0.0.1:${receiver.port}, appending to ${outputPath}\n` +
      `  sending about ${rate} events/s (1 alert in 10); Ctrl-C stops\n`,
  );

  let sequence = 0;
  let sentActivities = 0;
  let sentAlerts = 0;
  const nextBatch = (count: number): string[] => {
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      sequence++;
      if (sequence % 10 === 0) {
        const template = samples.alerts[sequence % samples.alerts.length]!;
        lines.push(encodeAlert({ ...template, id: `demo-alert-${now}-${sequence}`, timestamp: now }));
        sentAlerts++;
      } else {
        const template = samples.activities[sequence % samples.activities.length]!;
        lines.push(encodeActivity({ ...template, id: `${now}_demo-${sequence}`, timestamp: now }));
        sentActivities++;
      }
    }
    return lines;
  };

  let pending = Promise.resolve();
  let carry = 0;
  const tick = setInterval(() => {
    carry += (rate * TICK_MS) / 1000;
    const count = Math.floor(carry);
    carry -= count;
    if (count === 0) return;
    pending = pending
      .then(() => sender.sendBatch(nextBatch(count)))
      .catch((error: unknown) => {
        process.stderr.write(`Send failed: ${error instanceof Error ? error.message : String(error)}\n`);
      });
  }, TICK_MS);

  let last = { activities: 0, alerts: 0, at: Date.now() };
  const status = setInterval(() => {
    const now = Date.now();
    const seconds = (now - last.at) / 1000;
    process.stdout.write(
      `activities ${((sentActivities - last.activities) / seconds).toFixed(1)}/s, ` +
        `alerts ${((sentAlerts - last.alerts) / seconds).toFixed(1)}/s, ` +
        `${received} lines in ${outputPath}\n`,
    );
    last = { activities: sentActivities, alerts: sentAlerts, at: now };
  }, STATUS_INTERVAL_MS);

  await stopped;
  clearInterval(tick);
  clearInterval(status);
  await pending;
  await sender.close();
  // The sender has ended its connection: the receiver reads what the kernel still holds.
  await receiver.close({ graceMs: 2_000 });
  const sent = sentActivities + sentAlerts;
  output.end();
  await once(output, 'finish');
  process.stdout.write(`Stopped: ${sent} events sent, ${received} lines received.\n`);
  return 0;
};
