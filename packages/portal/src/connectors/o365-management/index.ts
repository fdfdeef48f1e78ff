// The `o365-management` connector type (DESIGN §9): the Office 365 Management Activity API's audit
// content (Exchange, SharePoint/OneDrive, Entra ID, General, DLP), read with Entra ID client credentials.
import type { ConnectorDefinition } from '../types.ts';
import { o365Client } from './client.ts';
import { PERMISSIONS, o365Scope, settingsSchema } from './settings.ts';
import { contentTypeStream } from './streams.ts';

export const o365ManagementConnector: ConnectorDefinition<'o365-management'> = {
  type: 'o365-management',
  title: 'Office 365 Management Activity API',
  settingsSchema,
  permissions: PERMISSIONS,
  requestsPerMinute: (settings) => settings.requestsPerMinute,
  /** 429s are not this API's way (AF429 comes as a 403); a floor for a proxy's 429. */
  throttleFloorMs: 10_000,
  streams(settings, secret, runtime) {
    const tokens = runtime.entraToken({
      authorityUrl: settings.authorityUrl,
      tenantId: settings.tenantId,
      clientId: settings.clientId,
      clientSecret: secret.clientSecret ?? '',
      scope: o365Scope(settings.url),
    });
    const client = o365Client(runtime.http, tokens, {
      baseUrl: settings.url,
      tenantId: settings.tenantId,
      // The docs: PublisherIdentifier is the tenant GUID of the vendor or customer; the tenant by default.
      publisherId: settings.publisherId ?? settings.tenantId,
    });
    return settings.contentTypes.map((contentType) => contentTypeStream(client, contentType));
  },
};
