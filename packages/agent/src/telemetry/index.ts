// The agent's telemetry: the rotating log file pino writes to, and the Prometheus metrics and health server.
export * from './log-file.ts';
export * from './metrics.ts';
