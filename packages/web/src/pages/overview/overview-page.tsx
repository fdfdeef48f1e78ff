// The home (issue 13): the pipeline as a picture — sources → the store → each SIEM agent → its
// SIEM — with events per minute on every edge, each agent's lag, and anything failing in red with
// the reason in words. Every node links to its page; refreshed like the agents list.
import type { Overview, OverviewAgent, OverviewSource } from '@cloudsiem/protocol';
import { api } from '../../api.ts';
import { RelativeTime } from '../../components/relative-time.tsx';
import { AgentStatusBadge, Badge } from '../../components/status-badge.tsx';
import { useLoad, useTitle } from '../../hooks.ts';
import { formatDuration } from '../../time.ts';
import { AGENTS_POLL_MS } from '../siem-agents/siem-agents-page.tsx';

const SOURCE_KINDS: Record<OverviewSource['kind'], string> = {
  simulator: 'Built-in simulator',
  'ingest-api': 'POST /api/v1/ingest',
  connector: 'Connector',
};

/** `1,234` per minute, or `0.4` below ten: a trickle is not rounded away to nothing. */
export function formatRate(perMinute: number): string {
  if (perMinute === 0) return '0';
  return perMinute >= 10 ? Math.round(perMinute).toLocaleString('en-US') : perMinute.toFixed(1);
}

/** An edge of the picture: the rate, and where it flows, in words (the arrow is decoration). */
function Edge({ perMinute, to }: { perMinute: number | null; to: string }) {
  return (
    <span className="pipeline-edge">
      <span aria-hidden="true" className="pipeline-arrow" />
      <span>
        {perMinute === null ? '— events/min' : `${formatRate(perMinute)} events/min`} {to}
      </span>
    </span>
  );
}

function Problem({ text }: { text: string | null }) {
  if (text === null) return null;
  return <p className="pipeline-problem is-failing">{text}</p>;
}

function sourceHref(source: OverviewSource): string {
  return source.kind === 'connector' && source.id !== null
    ? `#/settings/connectors/${encodeURIComponent(source.id)}`
    : '#/audits';
}

function Source({ source }: { source: OverviewSource }) {
  return (
    <li className={`pipeline-row${source.problem === null ? '' : ' has-problem'}`}>
      <a className={`pipeline-node${source.problem === null ? '' : ' is-failing'}`} href={sourceHref(source)}>
        <strong>{source.name}</strong>
        <span className="pipeline-detail">
          {source.connectorStatus === null
            ? SOURCE_KINDS[source.kind]
            : `${SOURCE_KINDS[source.kind]} · ${source.connectorStatus}`}
        </span>
      </a>
      <Edge perMinute={source.eventsPerMinute} to="into the store" />
      <Problem text={source.problem} />
    </li>
  );
}

function SiemNode({ agent }: { agent: OverviewAgent }) {
  const { state } = agent.siem;
  const failing = state === 'unreachable';
  const words =
    state === 'connected'
      ? 'Reachable'
      : state === 'unreachable'
        ? 'Unreachable'
        : state === 'connecting'
          ? 'Connecting'
          : state === 'idle'
            ? 'Idle'
            : 'Not reported';
  return (
    <span
      className={`pipeline-node pipeline-siem${failing ? ' is-failing' : state === 'connected' ? '' : ' is-unknown'}`}
    >
      <strong>SIEM</strong>
      <span className="pipeline-detail pipeline-target">{agent.siem.target}</span>
      <span className="pipeline-detail">{words}</span>
    </span>
  );
}

function AgentLane({ agent }: { agent: OverviewAgent }) {
  const failing = agent.problem !== null;
  return (
    <li className={`pipeline-row pipeline-lane${failing ? ' has-problem' : ''}`}>
      <Edge perMinute={agent.pulledPerMinute} to="from the store" />
      <a
        className={`pipeline-node${
          failing && agent.siem.state !== 'unreachable'
            ? ' is-failing'
            : agent.enabled && agent.status === 'connected'
              ? ''
              : ' is-unknown'
        }`}
        href={`#/siem-agents/${encodeURIComponent(agent.id)}`}
      >
        <strong className="pipeline-name">{agent.name}</strong>
        <span className="pipeline-detail">
          {agent.enabled ? (
            <AgentStatusBadge agent={{ status: agent.status, siem: null }} />
          ) : (
            <Badge tone="disabled" hint="Disabled in the portal: it receives no data.">
              Disabled
            </Badge>
          )}
        </span>
        <span className="pipeline-detail">
          {agent.lagSeconds === null ? 'Lag —' : `Lag ${formatDuration(agent.lagSeconds * 1000)}`}
          {agent.lastSeenAt === null ? null : (
            <>
              {' · seen '}
              <RelativeTime ms={agent.lastSeenAt} />
            </>
          )}
        </span>
      </a>
      <Edge perMinute={agent.sentPerMinute} to="to the SIEM" />
      <SiemNode agent={agent} />
      <Problem text={agent.problem} />
    </li>
  );
}

function StoreNode({ overview }: { overview: Overview }) {
  const { store } = overview;
  const newest = Math.max(store.newestActivityAt ?? 0, store.newestAlertAt ?? 0);
  return (
    <div className="pipeline-store">
      <a className={`pipeline-node${store.problem === null ? '' : ' is-failing'}`} href="#/audits">
        <strong>Store</strong>
        <span className="pipeline-detail">Activities and alerts</span>
        <span className="pipeline-detail">
          {newest === 0 ? (
            'Nothing stored yet'
          ) : (
            <>
              Newest stored <RelativeTime ms={newest} />
            </>
          )}
        </span>
      </a>
      <Problem text={store.problem} />
    </div>
  );
}

export function OverviewPage() {
  useTitle('Overview');
  const overview = useLoad(() => api.overview(), 'overview', AGENTS_POLL_MS);
  const data = overview.data;
  return (
    <>
      <div className="page-header">
        <h1>Overview</h1>
      </div>
      <p className="page-intro">
        Where events come from, the store, and each SIEM agent with its SIEM. Rates are events per minute over
        the last {data?.windowMinutes ?? 5} minutes; anything failing is red and says why.
      </p>
      {overview.error !== null ? (
        <p role="alert" className="error-text">
          {overview.error}
        </p>
      ) : null}
      {data === undefined ? (
        overview.error === null ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <section className="pipeline panel" aria-label="Pipeline">
          <div className="pipeline-column">
            <h2>Sources</h2>
            <ul className="pipeline-list">
              {data.sources.map((source) => (
                <Source key={`${source.kind}:${source.id ?? ''}`} source={source} />
              ))}
            </ul>
            {data.sources.some((s) => s.kind === 'connector') ? null : (
              <p className="muted pipeline-hint">
                Pull from Microsoft Defender for Cloud Apps or Graph:{' '}
                <a href="#/settings/connectors">add a connector</a>.
              </p>
            )}
          </div>
          <div className="pipeline-column">
            <h2>Store</h2>
            <StoreNode overview={data} />
          </div>
          <div className="pipeline-column pipeline-column-wide">
            <h2>SIEM agents and their SIEMs</h2>
            {data.agents.length === 0 ? (
              <p className="pipeline-empty">
                No SIEM agent yet: nothing leaves the portal. <a href="#/siem-agents">Add a SIEM agent</a>
              </p>
            ) : (
              <ul className="pipeline-list">
                {data.agents.map((agent) => (
                  <AgentLane key={agent.id} agent={agent} />
                ))}
              </ul>
            )}
          </div>
        </section>
      )}
    </>
  );
}
