// The agent token's shape (DESIGN §6): `csat_<base64url portal URL>.<agent id>.<256-bit secret>`,
// self-contained so an agent needs nothing but the token. Shared by the portal (which issues and
// checks tokens) and the agent (which reads the portal URL and agent id out of its own).

/** `csat_` cloudsiem agent token: a prefix secret scanners can key on. */
export const AGENT_TOKEN_PREFIX = 'csat_';
/** base64url of 32 random bytes. */
export const AGENT_TOKEN_SECRET_CHARS = 43;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

export interface AgentTokenParts {
  portalUrl: string;
  agentId: string;
  secret: string;
}

export function formatAgentToken({ portalUrl, agentId, secret }: AgentTokenParts): string {
  return `${AGENT_TOKEN_PREFIX}${Buffer.from(portalUrl).toString('base64url')}.${agentId}.${secret}`;
}

/** Splits an agent token; `null` when it is not one. */
export function parseAgentToken(token: string): AgentTokenParts | null {
  if (!token.startsWith(AGENT_TOKEN_PREFIX) || token.length > 2048) return null;
  const [url, agentId, secret, ...rest] = token.slice(AGENT_TOKEN_PREFIX.length).split('.');
  if (url === undefined || agentId === undefined || secret === undefined || rest.length > 0) return null;
  if (
    !B64URL.test(url) ||
    !UUID.test(agentId) ||
    secret.length !== AGENT_TOKEN_SECRET_CHARS ||
    !B64URL.test(secret)
  )
    return null;
  const portalUrl = Buffer.from(url, 'base64url').toString('utf8');
  if (!/^https?:\/\/[^\s]+$/.test(portalUrl)) return null;
  return { portalUrl, agentId, secret };
}
