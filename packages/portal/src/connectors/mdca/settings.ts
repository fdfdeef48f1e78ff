// The mdca connector's settings (DESIGN §9: url, auth "oauth" | "token", tenant and app for OAuth,
// data types, poll interval, requests per minute) and which write-only secret goes with them.
import { mdcaSettingsSchema, secretFieldFor, type MdcaSettings } from '@cloudsiem/protocol';

export { mdcaSettingsSchema, type MdcaSettings };

/** `clientSecret` for auth "oauth" (Entra ID client credentials), `token` for a legacy API token. */
export function mdcaSecretField(settings: Pick<MdcaSettings, 'auth'>): 'clientSecret' | 'token' {
  return secretFieldFor('mdca', settings);
}

/** The Entra ID scope of the MDCA API (defender-docs api-authentication-application.md). */
export const MDCA_SCOPE = '05a65629-4c1b-48c1-a78b-804c4abdd4af/.default';

/** The application permission the list calls need (requests.json, authHeaders). */
export const MDCA_PERMISSION = 'Investigation.Read';

/** Documented cap: "Responses for all requests made with the API token are limited to a maximum of 100 items." */
export const MDCA_PAGE_LIMIT = 100;
