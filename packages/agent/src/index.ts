// @cloudsiem/agent: the SIEM agent daemon — source/ (the portal client) → transform/encode-cef →
// sink/syslog, with checkpoint (cursor handling), metrics and telemetry (DESIGN §6).
export {
  DEFAULT_PAGE_SIZE,
  startAgent,
  type AgentLogger,
  type AgentOptions,
  type AgentStats,
  type AgentStop,
  type DataTypeStats,
  type RunningAgent,
} from './agent.ts';
export { AgentError, AGENT_ERRORS, isFatal, type AgentErrorCode } from './errors.ts';
export {
  createPortalClient,
  type PortalClient,
  type PortalClientOptions,
  type ProxyAddress,
} from './source/portal-client.ts';
export { createPageEncoders, type PageEncoder } from './transform/encode-cef.ts';
export { createSyslogSink, type SyslogSink } from './sink/syslog.ts';
export { Checkpoint } from './checkpoint.ts';
export { agentHealth, agentRegistry } from './metrics.ts';
export { parseAgentOptions, type AgentCommandOptions } from './options.ts';
export * from './telemetry/index.ts';
