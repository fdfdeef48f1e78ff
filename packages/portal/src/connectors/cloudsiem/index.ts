// The `cloudsiem` connector type (DESIGN §9): another cloudsiem portal's activities and alerts,
// for hub and spoke (regional portals feeding a central one).
import type { ConnectorDefinition } from '../types.ts';
import { portalListClient } from './client.ts';
import { PERMISSIONS, settingsSchema } from './settings.ts';
import { cloudsiemStream } from './streams.ts';

export const cloudsiemConnector: ConnectorDefinition<'cloudsiem'> = {
  type: 'cloudsiem',
  title: 'cloudsiem portal',
  settingsSchema,
  permissions: PERMISSIONS,
  requestsPerMinute: (settings) => settings.requestsPerMinute,
  throttleFloorMs: 5_000,
  streams(settings, secret, runtime) {
    const client = portalListClient(runtime.http, settings.url, secret.token ?? '');
    return (['activities', 'alerts'] as const)
      .filter((dataType) => settings.dataTypes[dataType])
      .map((dataType) => cloudsiemStream(client, dataType));
  },
};
