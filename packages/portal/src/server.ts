// Starts the portal: opens (and migrates) the store, creates the first admin when there is none,
// serves the API over HTTP or HTTPS (TLS 1.2 minimum), runs retention every hour and, with a
// secret key, the connector scheduler (DESIGN §9).
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import {
  DEFAULT_SETTINGS,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
  type PortalContext,
  type PortalSettings,
} from './context.ts';
import { openStore, DEFAULT_DATABASE_URL } from './store/db.ts';
import { createServices, type PortalServices } from './services/index.ts';
import { portalRoutes } from './routes/index.ts';
import { createApp } from './http/app.ts';
import { BUILTIN_POLICIES } from './services/builtin-policies.ts';
import type { ConnectorType } from '@cloudsiem/protocol';
import { createSecretBox, type SecretBox } from './auth/secret-box.ts';
import { connectorDefinition } from './connectors/registry.ts';
import { connectorRuntime, type UpstreamNetwork } from './connectors/runtime.ts';
import {
  createConnectorScheduler,
  type ConnectorRuntimeFactory,
  type ConnectorScheduler,
  type DefinitionLookup,
  type SchedulerOptions,
} from './connectors/scheduler.ts';
import type { ConnectorDefinition } from './connectors/types.ts';

export interface PortalOptions {
  databaseUrl?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to http(s)://<host>:<port> once listening. */
  publicUrl?: string;
  tls?: { cert: Buffer; key: Buffer };
  clock?: Clock;
  logger?: Logger;
  settings?: Partial<Omit<PortalSettings, 'publicUrl'>>;
  /** The first admin's password when one is created (else generated). */
  firstAdminPassword?: string;
  retentionIntervalMs?: number;
  /** On a first start (empty store), add the built-in policies so alerts appear. Default true. */
  builtinPolicies?: boolean;
  /**
   * 32 bytes sealing connector secrets (AES-256-GCM). Without it the portal serves everything but
   * connectors cannot be saved, tested or run (SECRET_KEY_MISSING). Every portal sharing a
   * database needs the same key.
   */
  secretKey?: Buffer;
  /** Replaces or adds connector types (tests register a fake one). */
  connectorDefinitions?: { [T in ConnectorType]?: ConnectorDefinition<T> };
  /** Builds each connector's runtime; default `connectorRuntime` (undici, token bucket, Entra cache). */
  connectorRuntimeFactory?: ConnectorRuntimeFactory;
  /** The scheduler's timing (tests shorten the lease); `enabled: false` runs no scheduler. */
  connectorScheduler?: SchedulerOptions & { enabled?: boolean };
  /** How connectors reach upstreams: a private CA, a CONNECT proxy. */
  upstreamNetwork?: UpstreamNetwork;
  /** Where the agent download served at /downloads/ is (default: dist/downloads). */
  downloadsDir?: string;
}

export interface Portal {
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string;
  publicUrl: string;
  context: PortalContext;
  services: PortalServices;
  /** Set when this start created the first admin: print it once. */
  firstAdmin: { email: string; password: string } | null;
  /** Null without a secret key, or with `connectorScheduler.enabled: false`. */
  scheduler: ConnectorScheduler | null;
  close(): Promise<void>;
}

function listen(server: ServerType): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startPortal(options: PortalOptions = {}): Promise<Portal> {
  const store = await openStore(options.databaseUrl ?? DEFAULT_DATABASE_URL, {
    logger: options.logger ?? silentLogger,
  });
  const host = options.host ?? '127.0.0.1';
  const scheme = options.tls === undefined ? 'http' : 'https';
  const settings: PortalSettings = {
    ...DEFAULT_SETTINGS,
    ...options.settings,
    publicUrl: options.publicUrl ?? '',
  };
  const shutdown = new AbortController();
  const context: PortalContext = {
    store,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    settings,
    shutdown: shutdown.signal,
  };
  const box: SecretBox | null = options.secretKey === undefined ? null : createSecretBox(options.secretKey);
  const overrides = options.connectorDefinitions ?? {};
  const definitions: DefinitionLookup = (type) => overrides[type] ?? connectorDefinition(type);
  let scheduler: ConnectorScheduler | null = null;
  const services = createServices(context, {
    box,
    definitions,
    ...(options.upstreamNetwork === undefined ? {} : { network: options.upstreamNetwork }),
    wake: () => scheduler?.wake(),
  });
  let server: ServerType | undefined;
  try {
    const firstAdmin = await services.admins.ensureFirstAdmin(options.firstAdminPassword);
    if (firstAdmin !== null && options.builtinPolicies !== false)
      await services.policies.ensure(BUILTIN_POLICIES);
    const routes = portalRoutes(
      services,
      context,
      options.downloadsDir === undefined ? {} : { downloadsDir: options.downloadsDir },
    );
    const app = createApp(context, services, routes);
    server = serve({
      fetch: app.fetch,
      hostname: host,
      port: options.port ?? 8080,
      ...(options.tls === undefined
        ? {}
        : {
            createServer: createHttpsServer,
            serverOptions: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' as const },
          }),
    });
    const address = await listen(server);
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${scheme}://${shownHost}:${address.port}`;
    // Until the public URL is known it cannot go into tokens: it is set before any request is served.
    settings.publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');

    const retention = setInterval(() => {
      Promise.all([services.events.applyRetention(), services.admins.pruneSessions()]).catch(
        (error: unknown) => {
          context.logger.error({ err: error }, 'Retention failed; will retry at the next interval');
        },
      );
    }, options.retentionIntervalMs ?? 3600_000);
    retention.unref();

    if (box === null) {
      context.logger.warn(
        {},
        'Connectors are off: no secret key (give --secret-key-file FILE or CLOUDSIEM_SECRET_KEY); everything else runs',
      );
    } else if (options.connectorScheduler?.enabled !== false) {
      scheduler = createConnectorScheduler(
        {
          context,
          events: services.events,
          box,
          definitions,
          runtimeFactory: options.connectorRuntimeFactory ?? connectorRuntime,
          ...(options.upstreamNetwork === undefined ? {} : { network: options.upstreamNetwork }),
        },
        options.connectorScheduler ?? {},
      );
      scheduler.start();
    }

    context.logger.info(
      { url, publicUrl: settings.publicUrl, database: store.displayUrl },
      'Portal listening',
    );
    const running = server;
    return {
      url,
      publicUrl: settings.publicUrl,
      context,
      services,
      firstAdmin,
      scheduler,
      close: async () => {
        clearInterval(retention);
        // Polls end (their leases released for another portal) before the store closes.
        await scheduler?.stop();
        shutdown.abort();
        await new Promise<void>((resolve) => {
          running.close(() => resolve());
          if ('closeAllConnections' in running) running.closeAllConnections();
        });
        await services.close();
        await store.close();
      },
    };
  } catch (error) {
    server?.close();
    await store.close();
    throw error;
  }
}
