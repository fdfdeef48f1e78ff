// The alerts list's bulk actions: the selected alerts closed, reopened or marked read in one API
// call (up to 1,000 ids, alert-triage.ts), the result said in a notice, naming the alerts that
// were not found (deleted meanwhile, e.g. by retention).
import type { AlertAction } from '@cloudsiem/protocol';
import { api } from '../../api.ts';
import { useNotify } from '../../components/notice.tsx';
import { useAction } from '../../hooks.ts';

/** The buttons, in MDCA's words, and what the notice says was done. */
const BULK_ACTIONS: readonly { action: AlertAction; label: string; done: string }[] = [
  { action: 'close_true_positive', label: 'Resolve (true positive)', done: 'resolved as true positive' },
  { action: 'close_benign', label: 'Dismiss as benign', done: 'dismissed as benign' },
  { action: 'close_false_positive', label: 'Dismiss as false positive', done: 'dismissed as false positive' },
  { action: 'reopen', label: 'Reopen', done: 'reopened' },
  { action: 'read', label: 'Mark read', done: 'marked read' },
  { action: 'unread', label: 'Mark unread', done: 'marked unread' },
];

const alerts = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'alert' : 'alerts'}`;

export function BulkTriage({ ids, done }: { ids: string[]; done: () => void }) {
  const action = useAction();
  const notify = useNotify();
  const run = (what: (typeof BULK_ACTIONS)[number]) =>
    void action.run(async () => {
      const result = await api.alertAction(what.action, ids);
      const missing = result.alertsNotFound;
      notify(
        `${alerts(result.updated)} ${what.done}.` +
          (missing.length === 0 ? '' : ` Not found (deleted meanwhile): ${missing.join(', ')}.`),
        missing.length === 0 ? 'success' : 'error',
      );
      done();
    });
  return (
    <>
      <div className="button-row" role="group" aria-label="Bulk triage">
        {BULK_ACTIONS.map((what) => (
          <button
            key={what.action}
            type="button"
            className="button button-small"
            disabled={action.busy}
            onClick={() => run(what)}
          >
            {what.label}
          </button>
        ))}
      </div>
      {action.error ? (
        <p role="alert" className="error-text">
          {action.error}
        </p>
      ) : null}
    </>
  );
}
