// `cloudsiem cef encode`: activities or alerts as JSON lines on stdin → CEF lines on stdout, with
// an agent's format settings as options (DESIGN §2, §4). A bad line is reported on stderr as
// `line N: field: reason` and skipped; the good lines still come out; exit code 1 if any was bad.
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import {
  CEF_FORMATS,
  CefError,
  CefRecordError,
  CefSettingsError,
  createActivityEncoder,
  createAlertEncoder,
  TIME_FORMATS,
  type CefSettings,
} from '@cloudsiem/cef';
import { activitySchema, alertSchema, CLOUDSIEM_VERSION } from '@cloudsiem/protocol';
import { parseChoice, parseCommandArgs } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';

// The Device Version agents write (the same constant the agent uses).
const VERSION = CLOUDSIEM_VERSION;
const DEFAULT_PORTAL_URL = 'http://localhost:8080';

const USAGE = `Usage: cloudsiem cef encode --type activity|alert [options] < records.jsonl > lines.cef

Reads one activity or alert a line (JSON, DESIGN §3) on stdin and writes one CEF line each on
stdout, as a SIEM agent with these format settings would send it. A bad line is reported on
stderr as "line N: field: reason" and skipped; the exit code is 1 if any line was bad.

Options:
  --type activity|alert                     what the lines are (required)
  --format generic|arcsight                 default generic; arcsight: RFC 5424 time, no PRI
  --time-format rfc5424|rfc3164|rfc3164-year default rfc5424 (generic only)
  --pri / --no-pri                          write the <PRI> prefix (generic only; default --no-pri)
  --facility N                              syslog facility for PRI, 0-23 (default 16, local0)
  --system-name NAME                        host name written after the time (default: none)
  --portal-url URL                          portal public URL for the cs1 links (default ${DEFAULT_PORTAL_URL})
  --device-version V                        CEF header device version (default ${VERSION})
  --vendor V                                CEF header vendor (default MCAS)
  --product P                               CEF header product (default SIEM_Agent)
  -h, --help                                this text`;

const OPTIONS = {
  type: { type: 'string' },
  format: { type: 'string' },
  'time-format': { type: 'string' },
  pri: { type: 'boolean' },
  'no-pri': { type: 'boolean' },
  facility: { type: 'string' },
  'system-name': { type: 'string' },
  'portal-url': { type: 'string' },
  'device-version': { type: 'string' },
  vendor: { type: 'string' },
  product: { type: 'string' },
} as const;

/** The option that sets each CefSettings field, to name it in errors. */
const OPTION_OF_SETTING: Record<string, string> = {
  format: '--format',
  timeFormat: '--time-format',
  includePri: '--pri',
  facility: '--facility',
  systemName: '--system-name',
  portalUrl: '--portal-url',
  deviceVersion: '--device-version',
  vendor: '--vendor',
  product: '--product',
};

export interface CefStreams {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export const cef: Command = (argv) =>
  runCef(argv, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

/** The command with its streams passed in (tests use their own). */
export async function runCef(argv: string[], streams: CefStreams): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '-h' || subcommand === '--help') {
    (subcommand === undefined ? streams.stderr : streams.stdout).write(`${USAGE}\n`);
    return subcommand === undefined ? 2 : 0;
  }
  if (subcommand !== 'encode') throw new CliError(`unknown sub-command '${subcommand}'\n${USAGE}`);
  const { values } = parseCommandArgs(rest, OPTIONS, USAGE);
  if (values.help) {
    streams.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const type = parseChoice(values.type, ['activity', 'alert'] as const, '--type');
  const encodeLine = createLineEncoder(type, settingsFrom(values));
  return encodeStream(streams, encodeLine);
}

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

function settingsFrom(values: Values): CefSettings {
  if (values.pri === true && values['no-pri'] === true) {
    throw new CliError('--pri and --no-pri contradict each other; give one');
  }
  let facility: number | undefined;
  if (values.facility !== undefined) {
    facility = Number(values.facility);
    if (!/^\d{1,2}$/.test(values.facility) || facility > 23) {
      throw new CliError(
        `--facility must be an integer from 0 to 23, got ${JSON.stringify(values.facility)}`,
      );
    }
  }
  return {
    format: parseChoice(values.format, CEF_FORMATS, '--format', 'generic'),
    timeFormat: parseChoice(values['time-format'], TIME_FORMATS, '--time-format', 'rfc5424'),
    includePri: values.pri === true,
    ...(facility === undefined ? {} : { facility }),
    systemName: values['system-name'] ?? null,
    portalUrl: values['portal-url'] ?? DEFAULT_PORTAL_URL,
    deviceVersion: values['device-version'] ?? VERSION,
    ...(values.vendor === undefined ? {} : { vendor: values.vendor }),
    ...(values.product === undefined ? {} : { product: values.product }),
  };
}

/** One input line → its CEF line, or the `field: reason` problems that make it bad. */
type LineEncoder = (text: string) => { line: string } | { problems: string[] };

/** The part of a zod schema used here (keeps zod itself out of the CLI's imports). */
interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

function createLineEncoder(type: 'activity' | 'alert', settings: CefSettings): LineEncoder {
  try {
    return type === 'activity'
      ? lineEncoder(activitySchema, createActivityEncoder(settings))
      : lineEncoder(alertSchema, createAlertEncoder(settings));
  } catch (error) {
    if (error instanceof CefSettingsError) {
      throw new CliError(`${OPTION_OF_SETTING[error.setting] ?? error.setting}: ${error.reason}`);
    }
    throw error;
  }
}

function lineEncoder<T>(schema: Schema<T>, encode: (record: T) => string): LineEncoder {
  return (text) => {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      return {
        problems: [`record: not valid JSON (${error instanceof Error ? error.message : String(error)})`],
      };
    }
    const checked = schema.safeParse(record);
    if (!checked.success) {
      return { problems: checked.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`) };
    }
    try {
      return { line: encode(checked.data) };
    } catch (error) {
      // The schema already checked the record; this is a safety net, not a usual path.
      if (error instanceof CefRecordError) return { problems: [`${error.field}: ${error.reason}`] };
      if (error instanceof CefError) return { problems: [`record: ${error.message}`] };
      throw error;
    }
  };
}

/** `targetObjects[1]`, `user`, or `record` for the record as a whole. */
function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'record';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * Streams stdin to stdout, one input chunk at a time: the lines of a chunk are encoded and
 * written in one write, so output follows input promptly and stdout's backpressure is honoured.
 */
async function encodeStream(streams: CefStreams, encodeLine: LineEncoder): Promise<number> {
  const { stdin, stdout, stderr } = streams;
  let outputError: Error | undefined;
  const onOutputError = (error: Error) => {
    outputError = error;
    stdin.destroy();
  };
  stdout.on('error', onOutputError);

  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let badLines = 0;

  const encodeLines = (text: string, final: boolean): void => {
    const lines = (pending + text).split('\n');
    pending = final ? '' : lines.pop()!;
    let out = '';
    let problems = '';
    for (let line of lines) {
      lineNumber++;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (lineNumber === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
      if (line.trim() === '') continue;
      const result = encodeLine(line);
      if ('line' in result) out += `${result.line}\n`;
      else {
        badLines++;
        for (const problem of result.problems) problems += `line ${lineNumber}: ${problem}\n`;
      }
    }
    if (problems !== '') stderr.write(problems);
    if (out !== '') writes.push(write(stdout, out));
  };
  const writes: Promise<void>[] = [];

  try {
    for await (const chunk of stdin) {
      encodeLines(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer), false);
      // Wait for stdout to drain before reading more (backpressure).
      await Promise.all(writes.splice(0));
    }
    encodeLines(decoder.end(), true);
    await Promise.all(writes.splice(0));
  } catch (error) {
    if (outputError === undefined) throw error;
  } finally {
    stdout.off('error', onOutputError);
  }
  if (outputError !== undefined) {
    // The reader went away (`| head`): not our failure, but say so unless it is a closed pipe.
    if ((outputError as NodeJS.ErrnoException).code === 'EPIPE') return badLines > 0 ? 1 : 0;
    throw new CliError(`cannot write to stdout: ${outputError.message}`, 1);
  }
  return badLines > 0 ? 1 : 0;
}

function write(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}
