// An agent's status (DESIGN §7) as a coloured badge; the text is exactly the status's name.
import type { AgentStatus } from '@cloudsiem/protocol';

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

export function StatusBadge({ status }: { status: AgentStatus }) {
  return (
    <span className={`badge badge-${status}`} title={STATUS_HINTS[status]}>
      {STATUS_LABELS[status]}
    </span>
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
