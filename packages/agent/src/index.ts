// @cloudsiem/agent: the SIEM agent daemon — source/ (the portal client) → transform/encode-cef →
// sink/ (syslog; a registry by protocol), with checkpoint (cursor handling), metrics and telemetry (DESIGN §6).
export {
  DEFAULT_PAGE_SIZE,
  DEFAULT_SYSLOG_RECONNECT,
  startAgent,
  type AgentLogger,
  type AgentOptions,
  type AgentStats,
  type AgentStop,
  type DataTypeStats,
  type RunningAgent,
  type SyslogState,
} from './agent.ts';
export { AgentError, AGENT_ERRORS, isFatal, type AgentErrorCode } from './errors.ts';
export {
  createPortalClient,
  type PortalClient,
  type PortalClientOptions,
  type ProxyAddress,
} from './source/portal-client.ts';
export { createPageEncoders, type PageEncoder } from './transform/encode-cef.ts';
export { createTargetSwitch, type TargetSwitch } from './sink/target-switch.ts';
export { SINKS } from './sink/registry.ts';
export type {
  PositionStatus,
  Sink,
  SinkContext,
  SinkEvent,
  SinkFactory,
  SinkPosition,
  SinkReceipt,
  SinkReport,
} from './sink/sink.ts';
export {
  DEFAULT_RECEIVER_QUEUE_BYTES,
  defaultReplayWindowBytes,
  replayWindowParts,
  ReplayWindow,
} from './sink/syslog/replay-window.ts';
export { Checkpoint } from './checkpoint.ts';
export { agentHealth, agentRegistry } from './metrics.ts';
export { parseAgentOptions, parseProxy, type AgentCommandOptions } from './options.ts';
export * from './telemetry/index.ts';
