// A status as a coloured badge (an agent's, DESIGN §7; a connector's, §9); the text is exactly the
// status's name, what it means in the title.
import type { AgentStatus, SiemAgent } from '@cloudsiem/protocol';

export const STATUS_LABELS: Record<AgentStatus, string> = {
  created: 'Created',
  connected: 'Connected',
  'connection-error': 'Connection error',
  disconnected: 'Disconnected',
};

export const STATUS_HINTS: Record<AgentStatus, string> = {
  created: 'Continue the setup: run the agent with its token.',
  connected: 'The agent contacted the portal within the last 2 hours.',
  'connection-error': 'No contact from the agent for more than 2 hours.',
  disconnected: 'No contact from the agent for more than 12 hours.',
};

/** A badge coloured by `tone` (the `badge-<tone>` class), explained by `hint`. */
export function Badge({ tone, hint, children }: { tone: string; hint: string; children: string }) {
  return (
    <span className={`badge badge-${tone}`} title={hint}>
      {children}
    </span>
  );
}

export function StatusBadge({ status }: { status: AgentStatus }) {
  return (
    <Badge tone={status} hint={STATUS_HINTS[status]}>
      {STATUS_LABELS[status]}
    </Badge>
  );
}

/**
 * An agent's status with its SIEM side (issue 13: green Connected while nothing reached the SIEM):
 * the seed's word, then `· SIEM unreachable` from the last heartbeat, not green. Plain `Connected`
 * otherwise: an agent with nothing to send yet reports `connecting` (it opens the syslog
 * connection on its first page), which is no problem.
 */
export function AgentStatusBadge({ agent }: { agent: Pick<SiemAgent, 'status' | 'siem'> }) {
  const { status, siem } = agent;
  if (status !== 'connected' || siem?.state !== 'unreachable') return <StatusBadge status={status} />;
  const hint = `The agent reaches the portal, but not your SIEM at ${siem.target}${siem.error === null ? '' : `: ${siem.error}`}. Nothing is sent until it does; the agent retries, then sends what it missed.`;
  return (
    <Badge tone="siem-unreachable" hint={hint}>
      {`${STATUS_LABELS.connected} · SIEM unreachable`}
    </Badge>
  );
}

/** A neutral or toned tag: severities, Disabled, Enabled. */
export function Tag({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'good' | 'warning' | 'bad' | 'info';
  children: string;
}) {
  return <span className={`tag tag-${tone}`}>{children}</span>;
}
