// Admins: who can sign in to this portal. Adding one takes a name, an email and a password;
// removing one ends their sessions and API tokens, and the SIEM agents whose tokens they own stop.
import { adminCreateSchema, type Admin, type SiemAgent } from '@cloudsiem/protocol';
import { useId, useState, type FormEvent } from 'react';
import { api, ApiFailure } from '../../api.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.tsx';
import { FormField } from '../../components/form-field.tsx';
import { useNotify } from '../../components/notice.tsx';
import { ExactTime } from '../../components/relative-time.tsx';
import { Tag } from '../../components/status-badge.tsx';
import { Table, type Column } from '../../components/table.tsx';
import { useAction, useLoad, useTitle } from '../../hooks.ts';

type Fields = 'name' | 'email' | 'password';

function AddAdminDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (admin: Admin) => void }) {
  const [values, setValues] = useState<Record<Fields, string>>({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<Partial<Record<Fields, string>>>({});
  const action = useAction();
  const formId = 'add-admin-form';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = { name: values.name.trim(), email: values.email.trim(), password: values.password };
    const checked = adminCreateSchema.safeParse(input);
    if (!checked.success) {
      const found: Partial<Record<Fields, string>> = {};
      for (const issue of checked.error.issues) {
        const key = issue.path[0] as Fields;
        found[key] ??=
          key === 'email' ? 'enter an email address' : key === 'name' ? 'name is required' : issue.message;
      }
      setErrors(found);
      return;
    }
    setErrors({});
    void action.run(async () => {
      try {
        onAdded(await api.createAdmin(input));
      } catch (error) {
        if (error instanceof ApiFailure && error.code === 'CONFLICT') {
          setErrors({ email: error.message });
          return;
        }
        throw error;
      }
    });
  };

  const field = (key: Fields, label: string, type: string, autoComplete: string, hint?: string) => (
    <FormField label={label} error={errors[key]} hint={hint}>
      {(props) => (
        <input
          {...props}
          type={type}
          autoComplete={autoComplete}
          value={values[key]}
          onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
        />
      )}
    </FormField>
  );

  return (
    <Dialog
      title="Add admin"
      onClose={onClose}
      busy={action.busy}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={action.busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={action.busy}>
            Add
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        {field('name', 'Name', 'text', 'off')}
        {field('email', 'Email', 'email', 'off')}
        {field(
          'password',
          'Password',
          'password',
          'new-password',
          'At least 12 characters. Share it with them safely.',
        )}
        {action.error !== null ? (
          <p role="alert" className="error-text">
            {action.error}
          </p>
        ) : null}
      </form>
    </Dialog>
  );
}

export function AdminsPage({ me }: { me: Admin }) {
  useTitle('Admins');
  const admins = useLoad(() => api.admins().then((r) => r.data), 'admins');
  const agents = useLoad(() => api.agents().then((r) => r.data), 'admins:agents');
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Admin | null>(null);
  const remove = useAction();
  const notify = useNotify();

  const lastAdmin = admins.data?.length === 1;
  const lastAdminNoteId = useId();

  const ownedBy = (admin: Admin): SiemAgent[] =>
    (agents.data ?? []).filter((a) => a.tokenOwner.id === admin.id);

  const columns: Column<Admin>[] = [
    {
      header: 'Name',
      rowHeader: true,
      cell: (a) => (
        <>
          <span className="cell-truncate" title={a.name}>
            {a.name}
          </span>
          {a.id === me.id ? (
            <>
              {' '}
              <Tag tone="info">You</Tag>
            </>
          ) : null}
        </>
      ),
    },
    { header: 'Email', priority: 'low', cell: (a) => a.email },
    {
      header: 'Agent tokens owned',
      priority: 'low',
      cell: (a) => (agents.data === undefined ? '…' : String(ownedBy(a).length)),
    },
    { header: 'Added', priority: 'low', cell: (a) => <ExactTime ms={a.createdAt} /> },
    {
      className: 'cell-actions',
      cell: (a) =>
        // The portal refuses to remove its only admin (nobody could sign in): say so before a click.
        lastAdmin ? (
          <span className="cell-action-note">
            <button
              type="button"
              className="button button-small button-danger-quiet"
              aria-label={`Remove ${a.email}`}
              aria-describedby={lastAdminNoteId}
              disabled
            >
              Remove
            </button>
            <span id={lastAdminNoteId} className="muted">
              The last admin cannot be removed
            </span>
          </span>
        ) : (
          <button
            type="button"
            className="button button-small button-danger-quiet"
            aria-label={`Remove ${a.email}`}
            onClick={() => {
              remove.setError(null);
              setRemoving(a);
            }}
          >
            Remove
          </button>
        ),
    },
  ];

  const owned = removing === null ? [] : ownedBy(removing);
  return (
    <>
      <div className="page-header">
        <h1>Admins</h1>
        <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
          Add admin
        </button>
      </div>
      <p className="page-intro">
        Admins sign in to this portal and manage its SIEM agents. An agent&apos;s token belongs to the admin
        who created or last regenerated it: removing that admin stops the agent.
      </p>
      {admins.error !== null ? (
        <p role="alert" className="error-text">
          {admins.error}
        </p>
      ) : null}
      <Table
        label="Admins"
        columns={columns}
        rows={admins.data ?? []}
        rowKey={(a) => a.id}
        empty="Loading…"
      />
      {adding ? (
        <AddAdminDialog
          onClose={() => setAdding(false)}
          onAdded={(admin) => {
            setAdding(false);
            notify(`Added ${admin.name} (${admin.email}).`);
            admins.reload();
          }}
        />
      ) : null}
      {removing !== null ? (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove"
          danger
          busy={remove.busy}
          error={remove.error}
          onCancel={() => setRemoving(null)}
          onConfirm={() =>
            void remove.run(async () => {
              await api.removeAdmin(removing.id);
              const removed = removing;
              setRemoving(null);
              notify(`Removed ${removed.name} (${removed.email}).`);
              admins.reload();
              agents.reload();
            })
          }
        >
          <p>
            {removing.email} can no longer sign in; their sessions and admin API tokens end at once.
            {removing.id === me.id ? ' This is you: you will be signed out.' : ''}
          </p>
          {owned.length > 0 ? (
            <div className="notice notice-warning">
              <p>
                <strong>
                  {owned.length === 1 ? 'This SIEM agent stops' : `These ${owned.length} SIEM agents stop`}
                </strong>{' '}
                — {removing.name} owns {owned.length === 1 ? 'its token' : 'their tokens'}, which stop
                working:
              </p>
              <ul>
                {owned.map((a) => (
                  <li key={a.id}>{a.name}</li>
                ))}
              </ul>
              <p>
                To keep one running, regenerate its token first (you become the owner) and restart it with the
                new token.
              </p>
            </div>
          ) : (
            <p className="muted">
              {agents.data === undefined
                ? 'Checking their SIEM agents…'
                : `${removing.name} owns no SIEM agent token.`}
            </p>
          )}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
