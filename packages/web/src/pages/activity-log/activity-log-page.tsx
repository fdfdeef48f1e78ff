// The Activity log: every activity of the connected apps, newest first, filtered with the filter
// builder. `#/audits?activity.id=eq(<id>,)` — the link in each activity's CEF line — lands here
// filtered to that activity.
import type { Filter } from '@cloudsiem/protocol';
import { useState } from 'react';
import type { StoredActivity } from '../../api.ts';
import { RelativeTime } from '../../components/relative-time.tsx';
import type { Column } from '../../components/table.tsx';
import { navigate, useTitle } from '../../hooks.ts';
import { formatExact } from '../../time.ts';
import { EventDrawer, EventFilters, EventTable } from '../events/event-list.tsx';

function ActivityFacts({ activity }: { activity: StoredActivity }) {
  return (
    <dl className="settings">
      <dt>Time</dt>
      <dd>{formatExact(activity.timestamp)}</dd>
      <dt>Activity</dt>
      <dd>
        {activity.action} <span className="muted mono">{activity.category}</span>
      </dd>
      <dt>User</dt>
      <dd>{activity.user ?? '—'}</dd>
      <dt>App</dt>
      <dd>{activity.appName ?? '—'}</dd>
      <dt>IP address</dt>
      <dd className="mono">{activity.ip ?? '—'}</dd>
      {activity.description ? (
        <>
          <dt>Description</dt>
          <dd>{activity.description}</dd>
        </>
      ) : null}
      {activity.policyIds.length > 0 ? (
        <>
          <dt>Matched policies</dt>
          <dd className="mono">{activity.policyIds.join(', ')}</dd>
        </>
      ) : null}
      <dt>Link</dt>
      <dd>
        <a href={`#/audits?activity.id=eq(${encodeURIComponent(activity.id)},)`}>
          This activity in the activity log
        </a>
      </dd>
    </dl>
  );
}

export function ActivityLogPage({ filter }: { filter: Filter }) {
  useTitle('Activity log');
  const [open, setOpen] = useState<StoredActivity | null>(null);
  const columns: Column<StoredActivity>[] = [
    {
      header: 'Activity',
      rowHeader: true,
      cell: (a) => (
        <button type="button" className="link-button" onClick={() => setOpen(a)}>
          {a.action || a.category}
        </button>
      ),
    },
    { header: 'User', cell: (a) => a.user ?? <span className="muted">—</span> },
    { header: 'App', cell: (a) => a.appName ?? <span className="muted">—</span> },
    { header: 'IP address', cell: (a) => <span className="mono">{a.ip ?? '—'}</span> },
    { header: 'Country', cell: (a) => a.country ?? <span className="muted">—</span> },
    { header: 'Time', cell: (a) => <RelativeTime ms={a.timestamp} /> },
  ];
  return (
    <>
      <h1>Activity log</h1>
      <p className="page-intro">
        The activities of your connected apps. Filter them as an agent&apos;s &quot;Apply to&quot; would.
      </p>
      <EventFilters
        dataType="activities"
        filter={filter}
        onApply={(f) => navigate({ page: 'activity-log', filter: f })}
      />
      <EventTable<StoredActivity>
        dataType="activities"
        filter={filter}
        columns={columns}
        label="Activities"
      />
      {open !== null ? (
        <EventDrawer
          dataType="activities"
          title={open.action || 'Activity'}
          record={open}
          onClose={() => setOpen(null)}
        >
          <ActivityFacts activity={open} />
        </EventDrawer>
      ) : null}
    </>
  );
}
