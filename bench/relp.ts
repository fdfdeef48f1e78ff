// RELP sender throughput to a real rsyslog (imrelp, librelp) on loopback: realistic CEF activity
// lines, sendBatch of 1000, each batch awaited until the server acknowledged all of it (as the agent
// does). Same run, same rsyslog: RELP with windows of 128 and 1024, RELP over TLS, and TCP with LF
// framing timed until rsyslog's file holds every line. rsyslog writes before it acknowledges
// (direct queues, see test/interop/rsyslog-relp.ts). Needs rsyslogd and openssl; prints, never asserts.
import { createActivityEncoder } from '@cloudsiem/cef';
import { createRelpSender, createSender, type Sender } from '@cloudsiem/syslog';
import { RsyslogRelp } from '../test/interop/rsyslog-relp.ts';
import { makeTestCerts, removeTestCerts } from '../test/support/certs.ts';
import { findTool } from '../test/support/tools.ts';
import { formatRate, repeat } from './lib.ts';
import { BENCH_SETTINGS, makeActivities } from './records.ts';

const LINES = 20_000;
const BATCH = 1000;
const RUNS = 5;

export async function run(): Promise<void> {
  const rsyslogd = findTool('rsyslogd');
  const openssl = findTool('openssl');
  if (rsyslogd === undefined || openssl === undefined) {
    console.log('skipped: needs rsyslogd (with rsyslog-relp) and openssl');
    return;
  }
  const encode = createActivityEncoder(BENCH_SETTINGS);
  const lines = makeActivities(LINES, 3).map((activity) => encode(activity));
  const batches: string[][] = [];
  for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH));

  const certs = makeTestCerts(openssl.path);
  const daemon = await RsyslogRelp.start(rsyslogd, certs);
  try {
    const measure = async (name: string, sender: Sender, untilWritten?: () => Promise<void>) => {
      await sender.connect();
      const rate = await repeat(RUNS, async () => {
        const started = performance.now();
        for (const batch of batches) await sender.sendBatch(batch);
        await untilWritten?.();
        return (LINES / (performance.now() - started)) * 1000;
      });
      await sender.close();
      console.log(`${name.padEnd(34)} ${formatRate(rate, 'messages')}`);
    };
    const relp = (windowSize: number, tls = false) =>
      createRelpSender({
        host: '127.0.0.1',
        port: tls ? daemon.ports.relpTls : daemon.ports.relp,
        windowSize,
        ...(tls ? { tls: { ca: certs.ca } } : {}),
      });
    console.log(`${LINES} CEF lines per run, sendBatch of ${BATCH}, each awaited`);
    await measure('RELP, window 128 (default)', relp(128));
    await measure('RELP, window 1024', relp(1024));
    await measure('RELP over TLS, window 128', relp(128, true));
    const tcpFile = daemon.file('tcp');
    let expected = tcpFile.lines().length;
    await measure(
      'TCP (LF), until rsyslog wrote all',
      createSender({ protocol: 'tcp', host: '127.0.0.1', port: daemon.ports.tcp }),
      async () => {
        expected += LINES;
        await tcpFile.waitForLines(expected, 60_000);
      },
    );
  } finally {
    await daemon.stop();
    removeTestCerts(certs);
  }
}
