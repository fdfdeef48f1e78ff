// The `o365-management` connector's settings (Office 365 Management Activity API, DESIGN §9) and
// its secret: the client secret of an Entra ID app with the Office 365 Management APIs permission.
import { isLoopbackHost } from '@cloudsiem/protocol';

export { o365SettingsSchema as settingsSchema, type O365Settings } from '@cloudsiem/protocol';

export const SECRET_FIELD = 'clientSecret' as const;
/** Application permissions of the Office 365 Management APIs (DLP.All needs the DLP one too). */
export const PERMISSIONS =
  'ActivityFeed.Read (Office 365 Management APIs application permission, with admin consent; ActivityFeed.ReadDlp for DLP.All)';
export const O365_SCOPE = 'https://manage.office.com/.default';

/** `<origin>/.default` (GCC High: https://manage.office365.us); a loopback fake stands in for the public one. */
export function o365Scope(url: string): string {
  const parsed = new URL(url);
  return isLoopbackHost(parsed.hostname) ? O365_SCOPE : `${parsed.origin}/.default`;
}
