// Agent status as the seed defines it (DESIGN §7): Created until the first contact, Connected,
// Connection error after more than 2 hours without contact, Disconnected after more than 12.
import type { AgentStatus } from '@cloudsiem/protocol';

export const CONNECTION_ERROR_AFTER_MS = 2 * 3600_000;
export const DISCONNECTED_AFTER_MS = 12 * 3600_000;

export function agentStatus(lastSeenAt: number | null, now: number): AgentStatus {
  if (lastSeenAt === null) return 'created';
  const silentMs = now - lastSeenAt;
  if (silentMs > DISCONNECTED_AFTER_MS) return 'disconnected';
  if (silentMs > CONNECTION_ERROR_AFTER_MS) return 'connection-error';
  return 'connected';
}
