// What one connector runs on: its own UpstreamHttp (the type's budget and throttle floor, the
// portal's CA and proxy for upstreams) and one Entra ID token cache per scope, shared by its streams.
import type { ConnectorSettingsByType, ConnectorType } from '@cloudsiem/protocol';
import type { Clock, Logger } from '../context.ts';
import { entraTokenSource } from './entra.ts';
import { createUpstreamHttp, type UpstreamHttpClient } from './http.ts';
import type { ConnectorDefinition, ConnectorRuntime, TokenSource } from './types.ts';

/** How the portal reaches upstreams: `cloudsiem portal --connector-ca-file`, `--connector-proxy`. */
export interface UpstreamNetwork {
  /** PEM of a private CA trusted besides Node's roots (a TLS-inspecting proxy, a private upstream). */
  ca?: string;
  proxy?: { host: string; port: number };
}

export interface RuntimeOptions {
  clock: Clock;
  logger: Logger;
  network?: UpstreamNetwork;
  signal?: AbortSignal;
  onThrottle?: (waitMs: number) => void;
  /** Tests: waits without sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ClosableRuntime extends ConnectorRuntime {
  http: UpstreamHttpClient;
  close(): Promise<void>;
}

export function connectorRuntime<T extends ConnectorType>(
  definition: ConnectorDefinition<T>,
  settings: ConnectorSettingsByType[T],
  options: RuntimeOptions,
): ClosableRuntime {
  const http = createUpstreamHttp({
    requestsPerMinute: definition.requestsPerMinute(settings),
    throttleFloorMs: definition.throttleFloorMs,
    userAgent: 'cloudsiem-connector',
    now: () => options.clock.now(),
    ...(options.network?.ca === undefined ? {} : { ca: options.network.ca }),
    ...(options.network?.proxy === undefined ? {} : { proxy: options.network.proxy }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onThrottle === undefined ? {} : { onThrottle: options.onThrottle }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const tokens = new Map<string, TokenSource>();
  return {
    http,
    logger: options.logger,
    clock: options.clock,
    entraToken(entra) {
      const key = `${entra.authorityUrl}|${entra.tenantId}|${entra.clientId}|${entra.scope}`;
      let source = tokens.get(key);
      if (source === undefined) {
        source = entraTokenSource(http, { ...entra, now: () => options.clock.now() });
        tokens.set(key, source);
      }
      return source;
    },
    close: () => http.close(),
  };
}
