// The Defender for Cloud Apps REST API calls (CloudAppSecurityDocs api-introduction.md,
// api-activities-list.md, api-alerts-list.md): POST {url}/api/v1/{activities|alerts}/ with a JSON
// body, `Authorization: Bearer <Entra ID token>` or `Authorization: Token <legacy API token>`.
import type { ConnectorSecret } from '@cloudsiem/protocol';
import { UpstreamError, type ConnectorRuntime, type TokenSource } from '../types.ts';
import { MDCA_PERMISSION, MDCA_SCOPE, type MdcaSettings } from './settings.ts';

export type MdcaResource = 'activities' | 'alerts';

/** `{ "<field>": { "<operator>": value } }`, ANDed (api-introduction.md, Filters). */
export type MdcaFilters = Record<string, Record<string, unknown>>;

export interface MdcaListBody {
  filters: MdcaFilters;
  sortField?: string;
  sortDirection?: 'asc' | 'desc';
  limit: number;
  skip?: number;
  /** Activities only: scan mode (api-activities-investigate-script.md). */
  isScan?: boolean;
}

export interface MdcaListAnswer {
  data: unknown[];
  hasNext: boolean;
  total: number | null;
  /** Scan mode: the filters of the next request, present only when hasNext is true. */
  nextQueryFilters: MdcaFilters | null;
}

export interface MdcaClient {
  list(resource: MdcaResource, body: MdcaListBody): Promise<MdcaListAnswer>;
}

/** What a 400 to a scan-mode request means: the caller may retry without scan mode. */
export class MdcaScanRefused extends Error {
  constructor(readonly status: number) {
    super(`scan mode refused (${status})`);
    this.name = 'MdcaScanRefused';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function answerOf(body: unknown, what: string): MdcaListAnswer {
  if (!isObject(body) || !Array.isArray(body.data))
    throw new UpstreamError('invalid-response', `${what}: the answer has no "data" list`);
  return {
    data: body.data as unknown[],
    hasNext: body.hasNext === true,
    total: typeof body.total === 'number' ? body.total : null,
    nextQueryFilters:
      body.hasNext === true && isObject(body.nextQueryFilters)
        ? (body.nextQueryFilters as MdcaFilters)
        : null,
  };
}

export function createMdcaClient(
  settings: MdcaSettings,
  secret: ConnectorSecret,
  runtime: Pick<ConnectorRuntime, 'http' | 'entraToken'>,
): MdcaClient {
  const base = settings.url.replace(/\/+$/, '');
  // A missing secret or id fails the first call (where the test result and status show it), not
  // the construction of the streams.
  let configError: UpstreamError | null = null;
  let tokens: TokenSource | null = null;
  if (settings.auth === 'oauth') {
    if (secret.clientSecret === undefined)
      configError = new UpstreamError('auth', 'mdca: auth "oauth" needs the app\'s client secret', {
        retriable: false,
      });
    else if (settings.tenantId === undefined || settings.clientId === undefined)
      configError = new UpstreamError('auth', 'mdca: auth "oauth" needs tenantId and clientId', {
        retriable: false,
      });
    else
      tokens = runtime.entraToken({
        authorityUrl: settings.authorityUrl,
        tenantId: settings.tenantId,
        clientId: settings.clientId,
        clientSecret: secret.clientSecret,
        scope: MDCA_SCOPE,
      });
  } else if (secret.token === undefined) {
    configError = new UpstreamError('auth', 'mdca: auth "token" needs the API token', { retriable: false });
  }
  const legacy = secret.token;

  async function authorization(): Promise<string> {
    return tokens === null ? `Token ${legacy ?? ''}` : `Bearer ${await tokens.bearer()}`;
  }

  async function list(resource: MdcaResource, body: MdcaListBody): Promise<MdcaListAnswer> {
    const what = `list ${resource}`;
    if (configError !== null) throw configError;
    const call = async () =>
      runtime.http.request({
        method: 'POST',
        url: `${base}/api/v1/${resource}/`,
        headers: { authorization: await authorization() },
        json: body,
        what,
        // 401/403 are answered here: the token is renewed once, and a refused legacy token is named.
        accept: body.isScan === true ? [400, 401, 403] : [401, 403],
      });
    let response = await call();
    if (response.status === 401 && tokens !== null) {
      // An Entra token can end before its expires_in (revoked, clock skew): fetch a new one once.
      tokens.invalidate();
      response = await call();
    }
    if (response.status === 400) throw new MdcaScanRefused(response.status);
    if (response.status === 401)
      throw new UpstreamError(
        'auth',
        tokens === null
          ? `${what}: MDCA refused the API token (401); generate a new token`
          : `${what}: MDCA refused a fresh Entra ID token (401); check that app ${settings.clientId ?? ''} is consented for the Defender for Cloud Apps API`,
        { status: 401 },
      );
    if (response.status === 403)
      throw tokens === null
        ? // The MCAS PowerShell module sees a wrong or revoked legacy token as 403 (errors.md).
          new UpstreamError(
            'auth',
            `${what}: MDCA refused the API token (403): it is wrong, revoked or its user was removed; generate a new token`,
            { status: 403 },
          )
        : new UpstreamError(
            'permission',
            `${what}: the app lacks the ${MDCA_PERMISSION} application permission (403); grant it and admin consent`,
            { status: 403 },
          );
    return answerOf(response.json(), what);
  }

  return { list };
}
