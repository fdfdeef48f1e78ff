// @cloudsiem/syslog: syslog prefixes (RFC 5424 / RFC 3164), framing (RFC 6587), the TCP, UDP and
// TLS sender (RFC 6587, RFC 5426, RFC 5425), the RELP sender (librelp's RELP, optionally over TLS)
// and a receiver for tests. Node built-ins only.
export {
  createSender,
  PROTOCOLS,
  DEFAULT_UDP_MAX_BYTES,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  HEALTHY_CONNECTION_MS,
  type Protocol,
  type Sender,
  type SenderEvent,
  type SenderOptions,
  type SenderStats,
  type SendReceipt,
} from './sender.ts';
export {
  startReceiver,
  type MessageMeta,
  type Receiver,
  type ReceiverCloseOptions,
  type ReceiverOptions,
} from './receiver.ts';
export {
  createDeframer,
  datagramPayload,
  encodeFrames,
  frame,
  FRAMINGS,
  DEFAULT_MAX_MESSAGE_BYTES,
  type Deframer,
  type DeframerOptions,
  type Framing,
} from './framing.ts';
export {
  createRelpSender,
  RelpSender,
  DEFAULT_RELP_WINDOW_SIZE,
  DEFAULT_RELP_ACK_TIMEOUT_MS,
  type RelpSenderOptions,
  type RelpSenderStats,
} from './relp/sender.ts';
export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
export {
  SyslogError,
  SyslogBatchError,
  SYSLOG_ERRORS,
  formatAddress,
  type SyslogErrorCode,
} from './errors.ts';
export type { TlsClientOptions } from './transport/tls.ts';
export * from './header.ts';
