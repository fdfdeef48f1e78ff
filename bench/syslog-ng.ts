// The peer in the same run: syslog-ng (the `.tools/syslog-ng` the interop tests unpack, else one on
// PATH) reading the same NDJSON file, `json-parser()`, a template that writes the MCAS CEF line our
// encoder writes for the bench activities (BENCH_SETTINGS, or the settings a real agent encodes
// with: generic, PRI, system name, portal URL), over TCP to
// the same counting sink. What it cannot reproduce: syslog-ng 3.38 has no string replace, so the
// two header fields (category, action) go out unescaped; the bench activities have no `\` or `|`
// there, and the fairness check (fairness.ts) would catch a difference. Extension values go
// through `$(format-cef-extension)` one field at a time (its own escaping: `\` `=` CR LF), so the
// keys stay in MCAS's order; the timestamp is the record's, parsed by date-parser (seconds) with
// the milliseconds appended, in UTC — byte for byte what ours writes.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { meterSender, type CountingSink, type SenderRun } from './counting-sink.ts';
import type { CefSettings } from '@cloudsiem/cef';
import { BENCH_SETTINGS } from './records.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface SyslogNgTool {
  path: string;
  env: NodeJS.ProcessEnv;
  /** "3.38.1" */
  version: string;
  /** "3.38", for `@version:` and the module directory. */
  configVersion: string;
  moduleDir: string | null;
}

/** The unpacked copy under .tools (the interop tests' one), else syslog-ng on PATH, else null. */
export function findSyslogNg(): SyslogNgTool | null {
  const unpacked = join(ROOT, '.tools/syslog-ng');
  let path = join(unpacked, 'usr/sbin/syslog-ng');
  let env: NodeJS.ProcessEnv = { ...process.env, LD_LIBRARY_PATH: join(unpacked, 'usr/lib/syslog-ng') };
  if (!existsSync(path)) {
    const onPath = (process.env.PATH ?? '')
      .split(delimiter)
      .map((dir) => join(dir, 'syslog-ng'))
      .find((candidate) => existsSync(candidate));
    if (onPath === undefined) return null;
    path = onPath;
    env = { ...process.env };
  }
  let text: string;
  try {
    text = execFileSync(path, ['--version'], { env, encoding: 'utf8' });
  } catch {
    return null;
  }
  const version =
    /Installer-Version: (\d+\.\d+\.\d+)/.exec(text)?.[1] ?? /\((\d+\.\d+\.\d+)\)/.exec(text)?.[1];
  if (version === undefined) return null;
  const configVersion = version.split('.').slice(0, 2).join('.');
  const moduleDir = resolve(dirname(path), '../lib/syslog-ng', configVersion);
  return { path, env, version, configVersion, moduleDir: existsSync(moduleDir) ? moduleDir : null };
}

/** The extension keys in MCAS's order, each with the JSON field it comes from (null: a literal). */
function extension(portalUrl: string): readonly (readonly [key: string, value: string])[] {
  return [
    ['externalId', '${json.id}'],
    ['rt', '${json.timestamp}'],
    ['start', '${json.timestamp}'],
    ['end', '${json.timestamp}'],
    ['msg', '${json.description}'],
    ['suser', '${json.user}'],
    ['destinationServiceName', '${json.appName}'],
    ['dvc', '${ipv4}'],
    ['requestClientApplication', '${json.userAgent}'],
    ['cs1Label', 'portalURL'],
    ['cs1', `${portalUrl}/#/audits?activity.id=eq($(url-encode \${json.id}),)`],
    ['cs2Label', 'uniqueServiceAppIds'],
    ['cs2', '$(implode , ${json.appIds})'],
    ['cs3Label', 'targetObjects'],
    ['cs3', '$(implode , ${json.targetObjects})'],
    ['cs4Label', 'policyIDs'],
    ['cs4', '$(implode , ${json.policyIds})'],
    ['c6a1Label', '"Device IPv6 Address"'],
    ['c6a1', '${ipv6}'],
  ];
}

/** A syslog-ng string literal. */
const quote = (text: string) => JSON.stringify(text);

/**
 * The configuration: file source (no-parse: the line is the JSON), json-parser, date-parser for
 * the record's time, a rewrite that puts each extension value under a prefix of its own
 * (`.f07.dvc`), and a template that writes the header literally and each pair through
 * `$(format-cef-extension --subkeys .fNN.)`; flow control end to end so nothing is dropped.
 */
export function syslogNgConfig(
  tool: SyslogNgTool,
  input: string,
  sinkPort: number,
  settings: CefSettings = BENCH_SETTINGS,
): string {
  const EXTENSION = extension(settings.portalUrl ?? '');
  const ms = '$(substr ${json.timestamp} -3 3)';
  const time = `\${S_YEAR}-\${S_MONTH}-\${S_DAY}T\${S_HOUR}:\${S_MIN}:\${S_SEC}.${ms}Z`;
  const prefix = `<134>${time} ${settings.systemName} CEF:0|MCAS|SIEM_Agent|${settings.deviceVersion}|`;
  const sets = EXTENSION.map(
    ([key, value], i) => `  set(${quote(value)} value(${quote(`.f${String(i).padStart(2, '0')}.${key}`)}));`,
  );
  const pairs = EXTENSION.map(
    (_, i) => `$(format-cef-extension --subkeys .f${String(i).padStart(2, '0')}.)`,
  ).join(' ');
  const template = `${prefix}\${json.category}|\${json.action}|0|${pairs}\n`;
  return [
    `@version: ${tool.configVersion}`,
    'options { stats-freq(0); time-zone("UTC"); send-time-zone("UTC"); log-msg-size(65536); };',
    `source s_file { file(${quote(input)} flags(no-parse) follow-freq(1) log-iw-size(10000) log-fetch-limit(1000)); };`,
    'parser p_json { json-parser(prefix("json.")); };',
    // Epoch ms: the seconds are all digits but the last three.
    'parser p_time { date-parser(format("%s") template("$(substr ${json.timestamp} 0 -3)") time-zone("UTC")); };',
    'rewrite r_fields {',
    '  set("${json.ip}" value("ipv4") condition(not match(":" value("json.ip"))));',
    '  set("${json.ip}" value("ipv6") condition(match(":" value("json.ip"))));',
    ...sets,
    '};',
    `template t_cef { template(${quote(template)}); };`,
    `destination d_sink { network("127.0.0.1" port(${sinkPort}) transport("tcp") template(t_cef) log-fifo-size(10000)); };`,
    'log { source(s_file); parser(p_json); parser(p_time); rewrite(r_fields); destination(d_sink); flags(flow-control); };',
    '',
  ].join('\n');
}

export type PeerRun = SenderRun;

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * syslog-ng sends the `records` lines of `input` to the sink; resolves once the sink has all of
 * them (then syslog-ng is stopped). `sampleEvery` asks the sink for a sample of its lines.
 */
export async function runSyslogNg(
  tool: SyslogNgTool,
  input: string,
  records: number,
  sink: CountingSink,
  sampleEvery = 0,
  settings: CefSettings = BENCH_SETTINGS,
): Promise<PeerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-syslog-ng-'));
  const config = join(dir, 'syslog-ng.conf');
  writeFileSync(config, syslogNgConfig(tool, input, sink.port, settings));
  const { done } = await sink.expect(records, sampleEvery);
  const child = spawn(
    tool.path,
    [
      '--foreground',
      '--stderr',
      '--no-caps',
      `--cfgfile=${config}`,
      ...(tool.moduleDir === null ? [] : [`--module-path=${tool.moduleDir}`]),
      `--persist-file=${join(dir, 'persist')}`,
      `--pidfile=${join(dir, 'pid')}`,
      `--control=${join(dir, 'ctl')}`,
    ],
    { env: tool.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit');
  try {
    return await meterSender(
      {
        name: 'syslog-ng',
        child,
        exited,
        detail: () => `:
${stderr}`,
      },
      done,
    );
  } finally {
    await stop(child, exited);
    rmSync(dir, { recursive: true, force: true });
  }
}
