// Entra ID (Azure AD) OAuth 2.0 client credentials (RFC 6749 §4.4; Microsoft identity platform
// v2.0 token endpoint): one token per connector and scope, cached until five minutes before it
// expires, fetched once however many calls wait for it, and refused credentials named precisely.
import type { TokenSource, UpstreamHttp } from './types.ts';
import { UpstreamError } from './types.ts';

export interface EntraOptions {
  /** https://login.microsoftonline.com, or a government cloud's authority, or a loopback fake. */
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `<resource>/.default`, e.g. https://graph.microsoft.com/.default. */
  scope: string;
  now?: () => number;
}

/** Refresh this long before the token's end, so a page never starts with a token about to lapse. */
const EARLY_MS = 5 * 60_000;

interface TokenAnswer {
  access_token?: unknown;
  expires_in?: unknown;
  token_type?: unknown;
}

interface ErrorAnswer {
  error?: unknown;
  error_description?: unknown;
  error_codes?: unknown;
}

/** What the token endpoint's refusal means for the admin, from its documented `error` values and AADSTS codes. */
function refusal(status: number, text: string, options: EntraOptions): UpstreamError {
  let body: ErrorAnswer = {};
  try {
    body = JSON.parse(text) as ErrorAnswer;
  } catch {
    // not JSON
  }
  const error = typeof body.error === 'string' ? body.error : '';
  const codes = Array.isArray(body.error_codes) ? body.error_codes.filter((c) => typeof c === 'number') : [];
  const aadsts = codes.length > 0 ? ` (AADSTS${codes.join(', AADSTS')})` : '';
  const what = 'Entra ID token';
  if (codes.includes(7000222))
    return new UpstreamError('auth', `${what}: the client secret has expired${aadsts}; create a new one`, {
      status,
    });
  if (error === 'invalid_client' || codes.includes(7000215))
    return new UpstreamError(
      'auth',
      `${what}: the client secret was refused${aadsts}; check the secret of app ${options.clientId}`,
      { status },
    );
  if (error === 'unauthorized_client' || codes.includes(700016))
    return new UpstreamError(
      'auth',
      `${what}: application ${options.clientId} was not found in tenant ${options.tenantId}${aadsts}`,
      { status },
    );
  if (
    codes.includes(90002) ||
    /tenant/i.test(typeof body.error_description === 'string' ? body.error_description : '')
  )
    return new UpstreamError('auth', `${what}: tenant ${options.tenantId} was not found${aadsts}`, {
      status,
    });
  if (error === 'invalid_scope' || error === 'invalid_resource' || codes.includes(500011))
    return new UpstreamError(
      'permission',
      `${what}: the scope ${options.scope} is not available to this app${aadsts}; grant the API permission and admin consent`,
      { status },
    );
  if (error === 'temporarily_unavailable' || status >= 500 || codes.includes(90055))
    return new UpstreamError('http', `${what}: the token endpoint is unavailable (${status})${aadsts}`, {
      status,
      retriable: true,
    });
  return new UpstreamError(
    'auth',
    `${what}: refused (${status}${error === '' ? '' : ` ${error}`})${aadsts}`,
    { status },
  );
}

export function entraTokenSource(http: UpstreamHttp, options: EntraOptions): TokenSource {
  const now = options.now ?? Date.now;
  const url = `${options.authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(options.tenantId)}/oauth2/v2.0/token`;
  let cached: { token: string; refreshAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const response = await http.request({
      method: 'POST',
      url,
      what: 'Entra ID token',
      form: {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        scope: options.scope,
        grant_type: 'client_credentials',
      },
      accept: [400, 401, 403],
    });
    if (response.status !== 200) throw refusal(response.status, response.text, options);
    const body = response.json<TokenAnswer>();
    if (typeof body.access_token !== 'string' || body.access_token === '')
      throw new UpstreamError('invalid-response', 'Entra ID token: the answer has no access_token');
    const expiresIn = Number(body.expires_in);
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 3600_000;
    // A short-lived token is refreshed at half its life rather than never being cached.
    const refreshAt = now() + Math.max(lifetimeMs - EARLY_MS, lifetimeMs / 2);
    cached = { token: body.access_token, refreshAt };
    return body.access_token;
  }

  return {
    bearer() {
      if (cached !== null && now() < cached.refreshAt) return Promise.resolve(cached.token);
      inFlight ??= fetchToken().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    invalidate() {
      cached = null;
    },
  };
}
