// The `graph-alerts` connector's settings (Microsoft Graph security alerts_v2, DESIGN §9) and its
// secret: the client secret of an Entra ID app with the Graph application permission below.
import { isLoopbackHost } from '@cloudsiem/protocol';

export { graphAlertsSettingsSchema as settingsSchema, type GraphAlertsSettings } from '@cloudsiem/protocol';

export const SECRET_FIELD = 'clientSecret' as const;
/** The least privileged application permission of GET /security/alerts_v2 (Graph docs). */
export const PERMISSIONS =
  'SecurityAlert.Read.All (Microsoft Graph application permission, with admin consent)';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * The token scope for a Graph base URL: `<origin>/.default`, so a national cloud
 * (https://graph.microsoft.us) gets its own resource; a loopback fake stands in for the public one.
 */
export function graphScope(url: string): string {
  const parsed = new URL(url);
  return isLoopbackHost(parsed.hostname) ? GRAPH_SCOPE : `${parsed.origin}/.default`;
}
