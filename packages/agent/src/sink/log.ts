// What the agent logs about its sink (CONVENTIONS "one place emits each event"): connections made,
// lost and abandoned with the bytes they put at risk, reconnect attempts, and UDP truncation
// (throttled: the counter has every one). No secrets: targets and error messages only.
import type { AgentLogger } from '../pipeline.ts';
import type { SinkEvent } from './sink.ts';

/** UDP truncation is logged at most this often. */
export const TRUNCATION_LOG_MS = 60_000;

export function logSinkEvent(logger: AgentLogger, event: SinkEvent): void {
  const syslog = event.target;
  switch (event.type) {
    case 'connected':
      logger.info({ syslog }, 'Syslog connected');
      break;
    case 'disconnected':
      logger.warn(
        {
          syslog,
          code: event.error.code,
          reason: event.error.message,
          bytesWritten: event.bytesWritten,
          resendBytes: event.atRiskBytes,
        },
        'Syslog connection lost; what it may not have delivered is sent again once it is back',
      );
      break;
    case 'reconnecting':
      logger.warn(
        { syslog, code: event.error.code, reason: event.error.message, delayMs: event.delayMs },
        'Syslog server unreachable; retrying',
      );
      break;
    case 'abandoned':
      logger.warn(
        { syslog, reason: event.reason, bytesWritten: event.bytesWritten, resendBytes: event.atRiskBytes },
        'Abandoned the syslog connection: the server did not confirm it read everything; its last bytes are sent again',
      );
      break;
  }
}

/** Counts lines cut to udpMaxBytes; says so at once, then at most once a minute with the count since. */
export function createTruncationLog(
  logger: AgentLogger,
  now: () => number = Date.now,
): (lines: number, udpMaxBytes: number | undefined) => void {
  let pending = 0;
  let loggedAt = -Infinity;
  return (lines, udpMaxBytes) => {
    pending += lines;
    if (now() - loggedAt < TRUNCATION_LOG_MS) return;
    logger.warn(
      { count: pending, udpMaxBytes },
      `${pending} lines were truncated to udpMaxBytes (${udpMaxBytes} bytes)`,
    );
    pending = 0;
    loggedAt = now();
  };
}
