// Starts the portal: opens (and migrates) the store, creates the first admin when there is none,
// serves the API over HTTP or HTTPS (TLS 1.2 minimum), and runs retention every hour.
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
}

export interface Portal {
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string;
  publicUrl: string;
  context: PortalContext;
  services: PortalServices;
  /** Set when this start created the first admin: print it once. */
  firstAdmin: { email: string; password: string } | null;
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
  const services = createServices(context);
  let server: ServerType | undefined;
  try {
    const firstAdmin = await services.admins.ensureFirstAdmin(options.firstAdminPassword);
    if (firstAdmin !== null && options.builtinPolicies !== false)
      await services.policies.ensure(BUILTIN_POLICIES);
    const routes = portalRoutes(services, context);
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
      close: async () => {
        clearInterval(retention);
        shutdown.abort();
        await new Promise<void>((resolve) => {
          running.close(() => resolve());
          if ('closeAllConnections' in running) running.closeAllConnections();
        });
        await store.close();
      },
    };
  } catch (error) {
    server?.close();
    await store.close();
    throw error;
  }
}
