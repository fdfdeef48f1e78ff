// The RELP sink (rsyslog's Reliable Event Logging Protocol, plain or over TLS 1.2+): a page's write
// resolves only once the server acknowledged every message of it, so what it resolved is delivered
// and a lost connection rejects the page in flight, which is read again: no replay window, and
// duplicates only for messages the server took but had not acknowledged.
import { createRelpSender } from '@cloudsiem/syslog';
import type { SyslogTarget } from '@cloudsiem/protocol';
import type { Sink, SinkContext } from '../sink.ts';
import { createSyslogSink } from '../syslog/sink.ts';

export function createRelpSink(target: SyslogTarget, context: SinkContext): Sink {
  return createSyslogSink(
    target,
    context,
    (relp, { ca, reconnect, closeTimeoutMs }, onEvent) =>
      createRelpSender({
        host: relp.host,
        port: relp.port,
        ...(relp.protocol === 'relp-tls' ? { tls: ca === undefined ? true : { ca } } : {}),
        reconnect,
        closeTimeoutMs,
        onEvent,
      }),
    0,
  );
}
