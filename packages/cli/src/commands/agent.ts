// `cloudsiem agent`: the SIEM agent daemon (DESIGN §2, §6) with the seed's flags spelled exactly so
// (--token, --logsDirectory, --proxy, -h), plus --token-file, CLOUDSIEM_TOKEN, --ca-file,
// --metrics-port, --portal-url and --replay-window-bytes. Exit codes: 0 signal, 2 bad arguments, 3 token rejected,
// 4 agent deleted, 1 anything else; every exit prints one line saying why and what to do.
import { getHeapStatistics } from 'node:v8';
import { pino, type Logger } from 'pino';
import {
  AgentError,
  agentHealth,
  agentRegistry,
  createPortalClient,
  createRotatingLogFile,
  parseAgentOptions,
  startAgent,
  startMetricsServer,
  type AgentStop,
  type MetricsServer,
  type RotatingLogFile,
} from '@cloudsiem/agent';
import { CLOUDSIEM_VERSION } from '@cloudsiem/protocol';
import { parseCommandArgs } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';
import { untilSignal } from '../signals.ts';

const USAGE = `Usage: cloudsiem agent --token TOKEN [--logsDirectory DIRNAME] [--proxy ADDRESS[:PORT]]

The cloudsiem SIEM agent: pulls the alerts and activities its SIEM agent in the portal is set up
for, over HTTPS, and sends them to the SIEM as CEF over syslog. Edits made in the portal apply
without a restart.

Options:
  --token TOKEN            the SIEM agent token shown when the agent was added in the portal
                           (visible to other users in 'ps': prefer --token-file or CLOUDSIEM_TOKEN)
  --token-file FILE        read the token from FILE
  --logsDirectory DIRNAME  write debug logs (JSON lines, rotated by size) to DIRNAME instead of stdout
  --proxy ADDRESS[:PORT]   reach the portal through this HTTP CONNECT proxy (default port 8080)
  --ca-file FILE           also trust this CA (PEM) for the portal's and the SIEM's TLS certificates
  --metrics-port N         serve Prometheus /metrics and /healthz on 127.0.0.1:N
  --portal-url URL         use this portal URL instead of the one inside the token
  --log-level LEVEL        trace|debug|info|warn|error (default info)
  --replay-window-bytes N  bytes sent again after a TCP/TLS connection to the SIEM is lost
                           (default: sized from this host's socket buffers plus 75 MB for the
                           SIEM's queue; see docs/RELIABILITY.md)
  -h, --help               this help

Environment:
  CLOUDSIEM_TOKEN          the token, when neither --token nor --token-file is given

Exit codes: 0 stopped by a signal, 2 bad arguments, 3 token rejected, 4 agent deleted in the
portal, 1 anything else.`;

export const agent: Command = async (argv) => {
  const { values } = parseCommandArgs(
    argv,
    {
      token: { type: 'string' },
      'token-file': { type: 'string' },
      logsDirectory: { type: 'string' },
      proxy: { type: 'string' },
      'ca-file': { type: 'string' },
      'metrics-port': { type: 'string' },
      'portal-url': { type: 'string' },
      'log-level': { type: 'string' },
      'replay-window-bytes': { type: 'string' },
    },
    USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let options: ReturnType<typeof parseAgentOptions>;
  try {
    options = parseAgentOptions({
      token: values.token,
      tokenFile: values['token-file'],
      envToken: process.env.CLOUDSIEM_TOKEN,
      logsDirectory: values.logsDirectory,
      proxy: values.proxy,
      caFile: values['ca-file'],
      metricsPort: values['metrics-port'],
      portalUrl: values['portal-url'],
      logLevel: values['log-level'],
      replayWindowBytes: values['replay-window-bytes'],
    });
  } catch (error) {
    if (error instanceof AgentError) throw new CliError(error.message, error.exitCode);
    throw error;
  }

  let logFile: RotatingLogFile | undefined;
  if (options.logsDirectory !== undefined) {
    try {
      logFile = createRotatingLogFile({ directory: options.logsDirectory });
    } catch (error) {
      throw new CliError(`--logsDirectory: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const logger: Logger = pino(
    {
      level: options.logLevel,
      base: { service: 'cloudsiem-agent', agentId: options.agentId },
      // Belt and braces: nothing logs the token, and if something ever did, it is masked.
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    logFile ?? pino.destination(1),
  );

  const client = createPortalClient({
    portalUrl: options.portalUrl,
    token: options.token,
    ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    userAgent: `cloudsiem-agent/${CLOUDSIEM_VERSION} (node ${process.version})`,
  });
  // Listen for signals first: a supervisor may stop us the moment we start.
  const signalled = untilSignal();
  const running = startAgent({
    client,
    logger,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.replayWindowBytes === undefined ? {} : { replayWindowBytes: options.replayWindowBytes }),
  });
  logger.info(
    {
      version: CLOUDSIEM_VERSION,
      replayWindowBytes: running.stats().replayWindowBytes,
      // The V8 heap limit: the launcher's (deploy/README.md, Memory), or NODE_OPTIONS'.
      heapSizeLimitBytes: getHeapStatistics().heap_size_limit,
      portal: options.portalUrl,
      proxy: options.proxy === undefined ? null : `${options.proxy.host}:${options.proxy.port}`,
    },
    'Agent started',
  );

  let metrics: MetricsServer | undefined;
  if (options.metricsPort !== undefined) {
    try {
      metrics = await startMetricsServer({
        port: options.metricsPort,
        registry: agentRegistry(running),
        health: () => agentHealth(running),
        onError: (error) => logger.error({ err: error }, 'Metrics scrape failed'),
      });
      logger.info({ port: metrics.port }, 'Metrics listening on 127.0.0.1');
    } catch (error) {
      await running.stop();
      throw new CliError(error instanceof Error ? error.message : String(error));
    }
  }

  const result: AgentStop = await Promise.race([
    running.done,
    signalled.then(async (signal) => {
      logger.info({ signal }, 'Stopping on signal');
      return running.stop();
    }),
  ]);
  await metrics?.close();
  logFile?.end();
  if (result.reason === 'stopped') {
    process.stderr.write('cloudsiem agent: stopped\n');
    return 0;
  }
  // The portal's message says what happened and what to do (regenerate the token, add a new agent).
  throw new CliError(`${result.error.message} [${result.error.code}]`, result.error.exitCode);
};
