// A problem log (an agent's or a connector's notifications): each problem open or resolved, with
// its code, when it was first and last seen and how often, newest first as the portal sends them.
import type { AgentNotification } from '@cloudsiem/protocol';
import { RelativeTime } from './relative-time.tsx';
import { Tag } from './status-badge.tsx';

export function NotificationList({
  notifications,
  none,
}: {
  /** Agents and connectors share the shape. */
  notifications: readonly AgentNotification[];
  /** What to say when there is none. */
  none: string;
}) {
  if (notifications.length === 0) return <p className="muted">{none}</p>;
  return (
    <ul className="notification-list">
      {notifications.map((n) => (
        <li key={n.id} className={n.resolvedAt === null ? 'notification-open' : 'notification-resolved'}>
          <div>
            {n.resolvedAt === null ? <Tag tone="bad">Open</Tag> : <Tag tone="good">Resolved</Tag>}{' '}
            <strong>{n.message}</strong> <span className="muted mono">{n.code}</span>
          </div>
          <div className="muted">
            First <RelativeTime ms={n.firstAt} />, last <RelativeTime ms={n.lastAt} />
            {n.count > 1 ? `, reported ${n.count} times` : ''}
            {n.resolvedAt !== null ? (
              <>
                , resolved <RelativeTime ms={n.resolvedAt} />
              </>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
