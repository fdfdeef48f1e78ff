// The Add connector wizard (DESIGN §9): Type and name → Settings (the type's fields, the
// write-only secret) → Test connection (one page fetched, nothing stored: what failed, or the first
// records and their CEF lines) → Save, confirmed when the test did not succeed. Editing a
// connector walks the same steps with its type fixed and its secret kept unless a new one is typed.
import { CONNECTOR_TYPES, type Connector, type ConnectorTestResult } from '@cloudsiem/protocol';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { messageOf } from '../../api.ts';
import { connectorsApi } from '../../connectors-api.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.tsx';
import { FormField, RadioGroup } from '../../components/form-field.tsx';
import { Wizard } from '../../components/wizard.tsx';
import { ConnectionTest, type TestState } from './connection-test.tsx';
import {
  changeType,
  formOf,
  inputOf,
  newForm,
  patchOf,
  placeServerIssues,
  settingsOf,
  stepOf,
  validate,
  type ConnectorForm,
  type FieldErrors,
} from './connector-form.ts';
import { CONNECTOR_DESCRIPTIONS, CONNECTOR_TITLES, FAILURE_TITLES } from './connector-labels.ts';
import { ConnectorSettings } from './connector-settings.tsx';

const STEPS = ['Type and name', 'Settings', 'Test connection'] as const;
const GENERAL = 0;
const SETTINGS = 1;
const TEST = 2;

/** Runs the test the form calls for: unsaved with its secret, or a saved connector's with the stored one. */
function runTest(form: ConnectorForm, connector: Connector | null): Promise<ConnectorTestResult> {
  if (connector === null || form.secret !== '') return connectorsApi.testUnsaved(inputOf(form));
  return connectorsApi.testSaved(connector.id);
}

/** Whether the form's settings differ from the stored connector's (the saved test would not cover them). */
function settingsChanged(form: ConnectorForm, connector: Connector): boolean {
  return JSON.stringify(settingsOf(form)) !== JSON.stringify(settingsOf(formOf(connector)));
}

export function ConnectorWizard({
  connector,
  onClose,
  onSaved,
}: {
  /** The connector to edit, or null to add one. */
  connector: Connector | null;
  onClose: () => void;
  onSaved: (connector: Connector, created: boolean) => void;
}) {
  const editing = connector !== null;
  const [form, setForm] = useState<ConnectorForm>(() =>
    connector === null ? newForm('mdca') : formOf(connector),
  );
  const [step, setStep] = useState(GENERAL);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [test, setTest] = useState<TestState | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const formId = useId();
  const saveErrorRef = useRef<HTMLParagraphElement>(null);
  // The answer to Save sits under a long test result: bring it into view.
  useEffect(() => {
    if (saveError !== null) saveErrorRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [saveError]);

  const change = (next: Partial<ConnectorForm>) => {
    setForm((f) => ({ ...f, ...next }));
    // An answer about other settings is no answer about these.
    setTest(null);
    setErrors((e) => {
      const cleared = { ...e };
      for (const key of Object.keys(next)) delete cleared[key as keyof FieldErrors];
      if ('activities' in next || 'alerts' in next) delete cleared.dataTypes;
      return cleared;
    });
  };

  /** Validation errors (local or the portal's) → beside their fields, on their step. */
  const showErrors = (found: FieldErrors) => {
    setErrors(found);
    const at = stepOf(found);
    if (at !== null) setStep(at);
  };

  const startTest = async (checked: ConnectorForm) => {
    setTest({ state: 'running' });
    try {
      setTest({ state: 'done', result: await runTest(checked, connector) });
    } catch (error) {
      const placed = placeServerIssues(error);
      if (placed !== null && Object.keys(placed.errors).length > 0) {
        setTest(null);
        showErrors(placed.errors);
      } else setTest({ state: 'error', message: placed?.other.join('; ') ?? messageOf(error) });
    }
  };

  const next = () => {
    const found = validate(form, connector);
    // Step 1 checks only its own fields; the settings step checks everything before testing.
    const relevant =
      step === GENERAL
        ? Object.fromEntries(Object.entries(found).filter(([k]) => k === 'name' || k === 'type'))
        : found;
    if (Object.keys(relevant).length > 0) {
      showErrors(relevant);
      return;
    }
    setErrors({});
    setStep(step + 1);
    if (step === SETTINGS) void startTest(form);
  };

  const save = async () => {
    setConfirming(false);
    const found = validate(form, connector);
    if (Object.keys(found).length > 0) {
      showErrors(found);
      return;
    }
    setSaving(true);
    setSaveError(null);
    try {
      const saved =
        connector === null
          ? await connectorsApi.create(inputOf(form))
          : await connectorsApi.update(connector.id, patchOf(form));
      onSaved(saved, connector === null);
    } catch (error) {
      const placed = placeServerIssues(error);
      if (placed !== null && Object.keys(placed.errors).length > 0) showErrors(placed.errors);
      else setSaveError(placed?.other.join('; ') ?? messageOf(error));
    } finally {
      setSaving(false);
    }
  };

  const tested = test?.state === 'done' && test.result.ok;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (step < TEST) next();
    else if (tested) void save();
    else setConfirming(true);
  };

  const footer = (
    <>
      <button type="button" className="button button-quiet" onClick={onClose} disabled={saving}>
        Cancel
      </button>
      <span className="spacer" />
      <button
        type="button"
        className="button"
        disabled={step === GENERAL || saving}
        onClick={() => {
          setErrors({});
          setStep(step - 1);
        }}
      >
        Back
      </button>
      {step < TEST ? (
        <button type="submit" form={formId} className="button button-primary">
          {step === SETTINGS ? 'Next: test connection' : 'Next'}
        </button>
      ) : (
        <button
          type="submit"
          form={formId}
          className="button button-primary"
          disabled={saving || test?.state === 'running'}
        >
          {editing ? 'Save' : 'Save connector'}
        </button>
      )}
    </>
  );

  return (
    <Dialog
      title={editing ? `Edit ${connector.name}` : 'Add connector'}
      onClose={onClose}
      variant="wide"
      busy={saving}
      footer={footer}
    >
      <Wizard steps={STEPS} current={step}>
        <form id={formId} onSubmit={onSubmit} noValidate>
          {step === GENERAL ? (
            <>
              {editing ? (
                <p>
                  Type: <strong>{CONNECTOR_TITLES[form.type]}</strong>
                </p>
              ) : (
                <RadioGroup
                  name="Type"
                  value={form.type}
                  inline={false}
                  error={errors.type}
                  onChange={(type) => {
                    setForm((f) => changeType(f, type));
                    setTest(null);
                  }}
                  options={CONNECTOR_TYPES.map((type) => ({
                    value: type,
                    label: CONNECTOR_TITLES[type],
                    hint: CONNECTOR_DESCRIPTIONS[type],
                  }))}
                />
              )}
              <FormField
                label="Name"
                error={errors.name}
                hint="How this connector is listed, e.g. the tenant it pulls from."
              >
                {(props) => (
                  <input
                    {...props}
                    type="text"
                    value={form.name}
                    maxLength={100}
                    autoComplete="off"
                    onChange={(e) => change({ name: e.target.value })}
                  />
                )}
              </FormField>
            </>
          ) : null}

          {step === SETTINGS ? (
            <ConnectorSettings form={form} onChange={change} errors={errors} connector={connector} />
          ) : null}

          {step === TEST ? (
            <>
              <p className="muted">
                One page of each stream is fetched with these settings; nothing is stored.
                {connector !== null && form.secret === '' && settingsChanged(form, connector)
                  ? ' No new secret was typed, so the saved settings and secret are tested: save to test your changes.'
                  : ''}
              </p>
              {test === null ? null : <ConnectionTest test={test} />}
              <button
                type="button"
                className="button"
                disabled={test?.state === 'running'}
                onClick={() => void startTest(form)}
              >
                Test again
              </button>
            </>
          ) : null}
        </form>
      </Wizard>
      {saveError !== null ? (
        <p ref={saveErrorRef} role="alert" className="error-text">
          {saveError}
        </p>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title="Save without a successful test?"
          confirmLabel="Save anyway"
          onCancel={() => setConfirming(false)}
          onConfirm={() => void save()}
        >
          <p>
            {test?.state === 'done' && test.result.failure !== null
              ? `The connection test failed: ${FAILURE_TITLES[test.result.failure.kind]}.`
              : 'The connection was not tested successfully.'}{' '}
            The connector is saved anyway and keeps trying at every poll; its status shows Connection error
            until a poll succeeds.
          </p>
        </ConfirmDialog>
      ) : null}
    </Dialog>
  );
}
