// A fake Entra ID token endpoint (client credentials, v2): POST {prefix}/{tenant}/oauth2/v2.0/token
// with the documented form fields; answers the documented success body
// (reference/upstream/entra/token-response.json) and the documented error shapes
// (error-responses.json: 401 invalid_client for a wrong secret, 400 for an unknown tenant or scope).
import { randomBytes } from 'node:crypto';
import type { Handler } from './server.ts';

export interface FakeEntraOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Scopes this app may get, e.g. ['05a65629-4c1b-48c1-a78b-804c4abdd4af/.default']. */
  scopes: readonly string[];
  /** Seconds the tokens live (documented sample: 3599). */
  expiresIn?: number;
}

export interface FakeEntra {
  handler: Handler;
  /** Whether `bearer` is a live token this endpoint issued for `scope`. */
  valid(bearer: string | undefined, scope: string): boolean;
  /** Expires every token issued so far (token expiry mid-drain). */
  expireAll(): void;
  /** How many tokens were issued. */
  readonly issued: number;
  /** Change the accepted secret (a rotated secret). */
  setSecret(secret: string): void;
}

const trace =
  'Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd';

function errorBody(error: string, code: number, description: string) {
  return {
    error,
    error_description: `AADSTS${code}: ${description}\r\n${trace}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
    trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333',
    correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
  };
}

export function fakeEntra(options: FakeEntraOptions, now: () => number = Date.now): FakeEntra {
  const tokens = new Map<string, { scope: string; expiresAt: number }>();
  let secret = options.clientSecret;
  let issued = 0;
  const handler: Handler = ({ req, url, body, json }) => {
    const match = /\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (match === null || req.method !== 'POST') return false;
    const form = new URLSearchParams(body);
    if (match[1] !== options.tenantId) {
      json(400, errorBody('invalid_request', 90002, `Tenant '${match[1]}' not found.`));
      return;
    }
    if (form.get('grant_type') !== 'client_credentials') {
      json(400, errorBody('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'));
      return;
    }
    if (form.get('client_id') !== options.clientId) {
      json(
        400,
        errorBody(
          'unauthorized_client',
          700016,
          `Application with identifier '${form.get('client_id')}' was not found in the directory.`,
        ),
      );
      return;
    }
    if (form.get('client_secret') !== secret) {
      json(401, errorBody('invalid_client', 7000215, 'Invalid client secret provided.'));
      return;
    }
    const scope = form.get('scope') ?? '';
    if (!options.scopes.includes(scope)) {
      json(
        400,
        errorBody(
          'invalid_scope',
          70011,
          `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
        ),
      );
      return;
    }
    const expiresIn = options.expiresIn ?? 3599;
    const token = `eyJ0eXAiOiJKV1Qi.${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { scope, expiresAt: now() + expiresIn * 1000 });
    issued++;
    json(200, {
      token_type: 'Bearer',
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: token,
    });
  };
  return {
    handler,
    valid(bearer, scope) {
      if (bearer === undefined) return false;
      const token = tokens.get(bearer.replace(/^Bearer /, ''));
      return token !== undefined && token.scope === scope && token.expiresAt > now();
    },
    expireAll() {
      for (const token of tokens.values()) token.expiresAt = 0;
    },
    get issued() {
      return issued;
    },
    setSecret(value) {
      secret = value;
    },
  };
}
