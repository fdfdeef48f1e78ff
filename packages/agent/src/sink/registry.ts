// Which sink writes to a target, by its protocol: adding a transport (RELP, an HTTP collector) is
// one folder under sink/ and one line here.
import type { SyslogTarget } from '@cloudsiem/protocol';
import type { SinkFactory } from './sink.ts';
import { createRelpSink } from './relp/sink.ts';
import { createSyslogSink } from './syslog/sink.ts';

export const SINKS: Record<SyslogTarget['protocol'], SinkFactory> = {
  tcp: createSyslogSink,
  tls: createSyslogSink,
  udp: createSyslogSink,
  relp: createRelpSink,
  'relp-tls': createRelpSink,
};
