// The `graph-alerts` connector type (DESIGN §9): Microsoft Graph security alerts_v2 — the alerts of
// every Defender product in one API — read with Entra ID client credentials.
import type { ConnectorDefinition } from '../types.ts';
import { graphAlertsClient } from './client.ts';
import { PERMISSIONS, graphScope, settingsSchema } from './settings.ts';
import { alertsStream } from './streams.ts';

export const graphAlertsConnector: ConnectorDefinition<'graph-alerts'> = {
  type: 'graph-alerts',
  title: 'Microsoft Graph security alerts',
  settingsSchema,
  permissions: PERMISSIONS,
  requestsPerMinute: (settings) => settings.requestsPerMinute,
  /** Graph documents Retry-After on every security 429; this floor covers one without it. */
  throttleFloorMs: 5_000,
  streams(settings, secret, runtime) {
    const tokens = runtime.entraToken({
      authorityUrl: settings.authorityUrl,
      tenantId: settings.tenantId,
      clientId: settings.clientId,
      clientSecret: secret.clientSecret ?? '',
      scope: graphScope(settings.url),
    });
    const client = graphAlertsClient(runtime.http, tokens, settings.url);
    return [alertsStream(client, settings.serviceSources)];
  },
};
