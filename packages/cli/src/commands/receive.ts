// `cloudsiem receive`: a test SIEM. Listens for syslog over TCP, UDP or TLS (loopback by default)
// and prints one line per message, raw or, with --json, decoded from CEF; runs until SIGINT/SIGTERM.
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { decode } from '@cloudsiem/cef';
import { FRAMINGS, PROTOCOLS, startReceiver, type Protocol } from '@cloudsiem/syslog';
import { parseChoice, parseCommandArgs, parsePort, readPem } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';
import { untilSignal } from '../signals.ts';

const USAGE = `Usage: cloudsiem receive --protocol tcp|udp|tls --port N [options]

A test SIEM: listens for syslog messages and prints one line per message on stdout.

Options:
  --protocol tcp|udp|tls  transport (TLS: RFC 5425, TLS 1.2 or later)
  --port N                port to listen on; 0 picks a free one (the "listening on" line shows it)
  --host ADDRESS          address to listen on (default 127.0.0.1)
  --framing lf|octet      TCP/TLS framing: LF-terminated or octet counting (default lf for tcp,
                          octet for tls)
  --json                  print each message decoded from CEF as JSON (header fields and the
                          unescaped extension); a line that is not CEF prints {"error", "raw"}
  --cert FILE --key FILE  the server certificate chain and key (PEM), required for tls
  --output FILE           append the lines to FILE instead of printing them
  -h, --help              this help`;

/** Some senders end an octet-counted message with a line break; it is not part of the message. */
function withoutTrailingBreak(message: string): string {
  return message.endsWith('\n') ? message.slice(0, message.endsWith('\r\n') ? -2 : -1) : message;
}

/** A raw message on one line: CR and LF cannot be printed raw, so they are shown as \r and \n. */
function oneLine(message: string): string {
  const trimmed = withoutTrailingBreak(message);
  return /[\r\n]/.test(trimmed) ? trimmed.replaceAll('\r', '\\r').replaceAll('\n', '\\n') : trimmed;
}

function asJson(message: string): string {
  try {
    return JSON.stringify(decode(withoutTrailingBreak(message)));
  } catch (error) {
    return JSON.stringify({ error: error instanceof Error ? error.message : String(error), raw: message });
  }
}

export const receive: Command = async (argv) => {
  const { values } = parseCommandArgs(
    argv,
    {
      protocol: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      framing: { type: 'string' },
      json: { type: 'boolean' },
      cert: { type: 'string' },
      key: { type: 'string' },
      output: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const protocol: Protocol = parseChoice(values.protocol, PROTOCOLS, '--protocol');
  const port = parsePort(values.port, '--port');
  const host = values.host ?? '127.0.0.1';
  if (protocol === 'udp' && values.framing !== undefined) {
    throw new CliError('--framing applies to tcp and tls only (UDP carries one message per datagram)');
  }
  const framing = parseChoice(values.framing, FRAMINGS, '--framing', protocol === 'tls' ? 'octet' : 'lf');
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (protocol === 'tls') {
    if (values.cert === undefined || values.key === undefined) {
      throw new CliError('--protocol tls needs --cert FILE and --key FILE (PEM)');
    }
    tls = { cert: readPem(values.cert, '--cert'), key: readPem(values.key, '--key') };
  } else if (values.cert !== undefined || values.key !== undefined) {
    throw new CliError('--cert and --key apply to --protocol tls only');
  }

  let outputFd: number | undefined;
  if (values.output !== undefined) {
    try {
      outputFd = openSync(values.output, 'a');
    } catch (error) {
      throw new CliError(
        `cannot open --output ${values.output}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const output = outputFd === undefined ? process.stdout : createWriteStream('', { fd: outputFd });
  const format = values.json ? asJson : oneLine;
  let received = 0;

  let receiver;
  try {
    receiver = await startReceiver({
      protocol,
      host,
      port,
      framing,
      ...(tls === undefined ? {} : { tls }),
      onMessage: (message) => {
        received++;
        output.write(`${format(message)}\n`);
      },
      onError: (error, meta) => process.stderr.write(`cloudsiem receive: ${meta.remote}: ${error.message}\n`),
    });
  } catch (error) {
    if (outputFd !== undefined) closeSync(outputFd);
    throw error;
  }
  // Listen for signals before saying we listen: a supervisor may stop us the moment it reads it.
  const stopped = untilSignal();
  const via = protocol === 'udp' ? 'udp' : `${protocol}, ${framing} framing`;
  const where = host.includes(':') ? `[${host}]` : host;
  process.stderr.write(
    `listening on ${where}:${receiver.port} (${via})${values.output === undefined ? '' : `, appending to ${values.output}`}\n`,
  );

  // A closed stdout (`receive | head`) stops the receiver like a signal would.
  const stdoutClosed = new Promise<string>((resolve) => process.stdout.once('error', () => resolve('EPIPE')));
  await Promise.race([stopped, stdoutClosed]);
  await receiver.close();
  if (output !== process.stdout) {
    await new Promise<void>((resolve) => output.end(() => resolve()));
  }
  process.stderr.write(`stopped: ${received} messages received\n`);
  return 0;
};
