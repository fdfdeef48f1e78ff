// The mdca connector type (DESIGN §9): Microsoft Defender for Cloud Apps' REST API, activities and
// alerts, through the framework's UpstreamHttp; one line in ../registry.ts.
import type { ConnectorDefinition } from '../types.ts';
import { createMdcaClient } from './client.ts';
import { MDCA_PERMISSION, mdcaSettingsSchema } from './settings.ts';
import { activitiesStream, alertsStream } from './streams.ts';

export const mdcaConnector: ConnectorDefinition<'mdca'> = {
  type: 'mdca',
  title: 'Microsoft Defender for Cloud Apps',
  settingsSchema: mdcaSettingsSchema,
  permissions: MDCA_PERMISSION,
  // MDCA allows 30 requests a minute per tenant, shared with the tenant's other tools.
  requestsPerMinute: (settings) => settings.requestsPerMinute,
  // MDCA's 429 carries no Retry-After (errors.md): wait at least a minute.
  throttleFloorMs: 60_000,
  streams(settings, secret, runtime) {
    const client = createMdcaClient(settings, secret, runtime);
    return [
      ...(settings.dataTypes.activities ? [activitiesStream(client, runtime.logger)] : []),
      ...(settings.dataTypes.alerts ? [alertsStream(client, runtime.logger)] : []),
    ];
  },
};
