// The Activity log: every activity of the connected apps, newest first, filtered with the filter
// builder. `#/audits?activity.id=eq(<id>,)` — the link in each activity's CEF line — lands here
// filtered to that activity, its details open on top; `#/audits/<id>` opens them over the list.
import type { Filter } from '@cloudsiem/protocol';
import { useEffect, useState } from 'react';
import type { StoredActivity } from '../../api.ts';
import { api } from '../../api.ts';
import { navigate, useLoad, useTitle } from '../../hooks.ts';
import { hashOf } from '../../routes.ts';
import { formatExact } from '../../time.ts';
import {
  EventDrawer,
  EventFilters,
  EventTable,
  EventTime,
  type SortableColumn,
  userAndAppColumns,
} from '../events/event-list.tsx';

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
      <dt>Links</dt>
      <dd>
        <a href={hashOf({ page: 'activity-log', filter: {}, activityId: activity.id })}>This activity</a>
        {' · '}
        <a href={`#/audits?activity.id=eq(${encodeURIComponent(activity.id)},)`}>
          This activity in the activity log
        </a>
      </dd>
    </dl>
  );
}

/** `#/audits/<id>`: the activity loaded by id, over the list. */
function ActivityDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const activity = useLoad(() => api.activity(id), `activity:${id}`);
  return (
    <EventDrawer
      dataType="activities"
      title={activity.data?.action || 'Activity'}
      record={activity.data}
      error={activity.error}
      onClose={onClose}
    >
      {activity.data !== undefined ? <ActivityFacts activity={activity.data} /> : null}
    </EventDrawer>
  );
}

/** The one id of a filter that is exactly `id eq <one id>`: the CEF line's link, or undefined. */
function linkedActivityId(filter: Filter): string | undefined {
  const keys = Object.keys(filter);
  const id = filter.id;
  if (keys.length !== 1 || id === undefined) return undefined;
  const ops = Object.keys(id);
  const only = ops.length === 1 && Array.isArray(id.eq) && id.eq.length === 1 ? id.eq[0] : undefined;
  return typeof only === 'string' ? only : undefined;
}

export function ActivityLogPage({ filter, activityId }: { filter: Filter; activityId: string | null }) {
  useTitle('Activity log');
  const [open, setOpen] = useState<StoredActivity | null>(null);
  // The CEF link's activity opens once per visit of the link: closed, the filtered list stays
  // (another filter, then Back to the link, opens it again).
  const linked = activityId === null ? linkedActivityId(filter) : undefined;
  const [closedLink, setClosedLink] = useState<string | null>(null);
  const filterKey = JSON.stringify(filter);
  useEffect(() => setClosedLink(null), [filterKey]);
  const columns: SortableColumn<StoredActivity>[] = [
    {
      header: 'Activity',
      sortField: 'action',
      rowHeader: true,
      cell: (a) => (
        <button
          type="button"
          className="link-button cell-truncate"
          title={a.action || a.category}
          onClick={() => setOpen(a)}
        >
          {a.action || a.category}
        </button>
      ),
    },
    ...userAndAppColumns<StoredActivity>(),
    {
      header: 'IP address',
      sortField: 'ip',
      priority: 'low',
      cell: (a) => <span className="mono">{a.ip ?? '—'}</span>,
    },
    {
      header: 'Country',
      sortField: 'country',
      priority: 'low',
      cell: (a) => a.country ?? <span className="muted">—</span>,
    },
    { header: 'Time', sortField: 'timestamp', cell: (a) => <EventTime ms={a.timestamp} /> },
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
      {activityId !== null ? (
        <ActivityDrawer id={activityId} onClose={() => navigate({ page: 'activity-log', filter })} />
      ) : linked !== undefined && closedLink !== linked ? (
        <ActivityDrawer id={linked} onClose={() => setClosedLink(linked)} />
      ) : null}
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
