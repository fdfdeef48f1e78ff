// The portal's web UI: asks whether this browser is signed in, shows the sign-in page or the
// pages with their navigation, and routes by the URL's hash (the CEF portalURL links land here).
import type { Admin } from '@cloudsiem/protocol';
import { useEffect, useState } from 'react';
import { api, messageOf, setSignedOutHandler } from './api.ts';
import { NoticeProvider } from './components/notice.tsx';
import { useAction, useRoute } from './hooks.ts';
import type { Route } from './routes.ts';
import { ActivityLogPage } from './pages/activity-log/activity-log-page.tsx';
import { AdminsPage } from './pages/admins/admins-page.tsx';
import { AlertsPage } from './pages/alerts/alerts-page.tsx';
import { ConnectorDetailsPage } from './pages/connectors/connector-details-page.tsx';
import { ConnectorsPage } from './pages/connectors/connectors-page.tsx';
import { OverviewPage } from './pages/overview/overview-page.tsx';
import { PoliciesPage } from './pages/policies/policies-page.tsx';
import { SignInPage } from './pages/sign-in/sign-in-page.tsx';
import { AgentDetailsPage } from './pages/siem-agents/agent-details-page.tsx';
import { SiemAgentsPage } from './pages/siem-agents/siem-agents-page.tsx';
import { Brand } from './components/brand.tsx';
import { MainNav } from './components/main-nav.tsx';

type Session =
  | { state: 'loading' }
  | { state: 'unreachable'; message: string }
  | { state: 'signed-out'; message: string | null }
  | { state: 'signed-in'; admin: Admin };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });

  useEffect(() => {
    setSignedOutHandler(() =>
      setSession((s) =>
        s.state === 'signed-in' ? { state: 'signed-out', message: 'Your session ended. Sign in again.' } : s,
      ),
    );
    let cancelled = false;
    const ask = () =>
      api.session().then(
        ({ admin }) => {
          if (!cancelled)
            setSession(
              admin === null ? { state: 'signed-out', message: null } : { state: 'signed-in', admin },
            );
        },
        (error: unknown) => {
          if (!cancelled) setSession({ state: 'unreachable', message: messageOf(error) });
        },
      );
    void ask();
    return () => {
      cancelled = true;
    };
  }, []);

  switch (session.state) {
    case 'loading':
      return <p className="loading-page">Loading…</p>;
    case 'unreachable':
      return (
        <main className="sign-in">
          <h1>cloudsiem</h1>
          <p role="alert" className="error-text">
            {session.message}
          </p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Retry
          </button>
        </main>
      );
    case 'signed-out':
      return (
        <SignInPage
          message={session.message}
          onSignedIn={(admin) => setSession({ state: 'signed-in', admin })}
        />
      );
    case 'signed-in':
      return (
        <Shell admin={session.admin} onSignedOut={() => setSession({ state: 'signed-out', message: null })} />
      );
  }
}

function Shell({ admin, onSignedOut }: { admin: Admin; onSignedOut: () => void }) {
  const route = useRoute();
  const signOut = useAction();
  const pageKey =
    route.page === 'siem-agent' || route.page === 'connector' ? `${route.page}:${route.id}` : route.page;

  return (
    <div className="shell">
      <header className="topbar">
        <Brand />
        <MainNav route={route} admin={admin}>
          <button
            type="button"
            className="button button-small nav-sign-out"
            disabled={signOut.busy}
            onClick={() =>
              void signOut.run(async () => {
                await api.logout();
                onSignedOut();
              })
            }
          >
            Sign out
          </button>
        </MainNav>
      </header>
      <main className="main" id="main">
        {signOut.error ? (
          <p role="alert" className="error-text">
            {signOut.error}
          </p>
        ) : null}
        <NoticeProvider pageKey={pageKey}>
          <Page route={route} admin={admin} />
        </NoticeProvider>
      </main>
    </div>
  );
}

function Page({ route, admin }: { route: Route; admin: Admin }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'siem-agents':
      return <SiemAgentsPage />;
    case 'siem-agent':
      return <AgentDetailsPage key={route.id} id={route.id} />;
    case 'connectors':
      return <ConnectorsPage />;
    case 'connector':
      return <ConnectorDetailsPage key={route.id} id={route.id} />;
    case 'activity-log':
      return <ActivityLogPage filter={route.filter} activityId={route.activityId ?? null} />;
    case 'alerts':
      return <AlertsPage filter={route.filter} alertId={route.alertId} />;
    case 'admins':
      return <AdminsPage me={admin} />;
    case 'policies':
      return <PoliciesPage />;
    case 'not-found':
      return (
        <>
          <h1>Page not found</h1>
          <p>
            There is no page at <code>#{route.path}</code>. Go to the <a href="#/siem-agents">SIEM agents</a>.
          </p>
        </>
      );
  }
}
