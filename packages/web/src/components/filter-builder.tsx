// The filter builder (DESIGN §7): rows of field · operator · value over the fields of one data type
// (FILTER_FIELDS), AND-combined; a field with a closed set of values (alert severity) picks its
// eq/neq value from a select, an open field with usual values (alert source) suggests them. The caller keeps the rows and turns them into the MDCA filter with
// rowsToFilter, which also gives the per-row errors shown here.
import type { DataType, FilterOp } from '@cloudsiem/protocol';
import { FILTER_FIELDS, fieldSuggestions, fieldValues } from '@cloudsiem/protocol';
import { useId } from 'react';
import {
  choicesFor,
  kindOf,
  LIST_OPS,
  newRow,
  OP_LABELS,
  opsFor,
  TIME_FIELDS,
  VALUELESS_OPS,
  type FilterRow,
} from '../filters.ts';
import { FormField, type ControlProps } from './form-field.tsx';

export const FIELD_LABELS: Record<string, string> = {
  id: 'ID',
  timestamp: 'Time',
  createdAt: 'Received',
  category: 'Category',
  action: 'Activity type',
  description: 'Description',
  user: 'User',
  appName: 'App',
  appIds: 'App IDs',
  ip: 'IP address',
  userAgent: 'User agent',
  targetObjects: 'Target objects',
  policyIds: 'Policy IDs',
  country: 'Country',
  deviceType: 'Device type',
  isAdmin: 'Admin activity',
  type: 'Alert type',
  policyName: 'Policy',
  severity: 'Severity',
  riskScore: 'Risk score',
  relatedActivityIds: 'Related activities',
  source: 'Source',
  status: 'Status',
};

function placeholder(dataType: DataType, field: string, op: FilterOp): string {
  const kind = kindOf(dataType, field);
  if (TIME_FIELDS.includes(field))
    return op === 'gte' || op === 'lte' ? '2024-05-01T00:00:00Z' : 'epoch ms or date';
  if (kind === 'boolean') return 'true or false';
  if (kind === 'number') return LIST_OPS.includes(op) ? '3, 5' : 'a number';
  const values = fieldValues(dataType, field);
  if (values?.kind === 'prefixed') return LIST_OPS.includes(op) ? values.example : values.prefix;
  if (field === 'source') return 'cloud-apps, identity';
  return LIST_OPS.includes(op) ? 'one, or several separated by commas' : 'text (case-sensitive)';
}

/** One value of a closed set; a saved value outside it stays visible, marked, to be fixed. */
function ChoiceSelect({
  choices,
  value,
  onChange,
  ...props
}: ControlProps & {
  choices: readonly string[];
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="" disabled>
        Choose…
      </option>
      {value === '' || choices.includes(value) ? null : <option value={value}>{value} (not allowed)</option>}
      {choices.map((choice) => (
        <option key={choice} value={choice}>
          {choice}
        </option>
      ))}
    </select>
  );
}

export function FilterBuilder({
  dataType,
  rows,
  onChange,
  errors = {},
}: {
  dataType: DataType;
  rows: readonly FilterRow[];
  onChange: (rows: FilterRow[]) => void;
  errors?: Record<number, string>;
}) {
  const fields = Object.keys(FILTER_FIELDS[dataType]);
  const listIdBase = useId();
  const update = (key: number, change: Partial<FilterRow>) =>
    onChange(
      rows.map((row) => {
        if (row.key !== key) return row;
        const next = { ...row, ...change };
        // A field of another kind may not take the operator chosen before.
        if (!opsFor(dataType, next.field).includes(next.op)) next.op = 'eq';
        // A value typed for another field or op is rarely one of a closed set's: start from none.
        const choices = LIST_OPS.includes(next.op) ? choicesFor(dataType, next.field) : undefined;
        if (choices !== undefined && !choices.includes(next.value)) next.value = '';
        return next;
      }),
    );

  // An open field's usual values (alert source), offered on the text input; others stay valid.
  const suggested = (row: FilterRow) =>
    VALUELESS_OPS.includes(row.op) ? undefined : fieldSuggestions(dataType, row.field);

  return (
    <div className="filter-builder">
      {rows.length === 0 ? <p className="muted">No filters: everything matches.</p> : null}
      {rows.map((row, i) => (
        <div className="filter-row" key={row.key} role="group" aria-label={`Condition ${i + 1}`}>
          {i > 0 ? (
            <span className="filter-and" aria-hidden="true">
              and
            </span>
          ) : null}
          <FormField label="Field" className="filter-field">
            {(props) => (
              <select
                {...props}
                value={row.field}
                onChange={(e) => update(row.key, { field: e.target.value })}
              >
                {fields.includes(row.field) ? null : <option value={row.field}>{row.field} (unknown)</option>}
                {fields.map((f) => (
                  <option key={f} value={f}>
                    {FIELD_LABELS[f] ?? f} ({f})
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField label="Operator" className="filter-op">
            {(props) => (
              <select
                {...props}
                value={row.op}
                onChange={(e) => update(row.key, { op: e.target.value as FilterOp })}
              >
                {opsFor(dataType, row.field).map((op) => (
                  <option key={op} value={op}>
                    {OP_LABELS[op]}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          {VALUELESS_OPS.includes(row.op) ? (
            <div className="filter-value filter-value-none" aria-hidden="true" />
          ) : LIST_OPS.includes(row.op) && choicesFor(dataType, row.field) !== undefined ? (
            <FormField label="Value" className="filter-value" error={errors[row.key]}>
              {(props) => (
                <ChoiceSelect
                  {...props}
                  choices={choicesFor(dataType, row.field) ?? []}
                  value={row.value}
                  onChange={(value) => update(row.key, { value })}
                />
              )}
            </FormField>
          ) : (
            <FormField label="Value" className="filter-value" error={errors[row.key]}>
              {(props) => (
                <input
                  {...props}
                  type="text"
                  list={suggested(row) === undefined ? undefined : `${listIdBase}-${row.key}`}
                  value={row.value}
                  placeholder={placeholder(dataType, row.field, row.op)}
                  autoComplete="off"
                  spellCheck={false}
                  onChange={(e) => update(row.key, { value: e.target.value })}
                />
              )}
            </FormField>
          )}
          {suggested(row) === undefined ? null : (
            <datalist id={`${listIdBase}-${row.key}`}>
              {suggested(row)?.map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
          )}
          <button
            type="button"
            className="icon-button filter-remove"
            aria-label={`Remove condition ${i + 1}`}
            title="Remove this condition"
            onClick={() => onChange(rows.filter((r) => r.key !== row.key))}
          >
            <span aria-hidden="true">×</span>
          </button>
          {VALUELESS_OPS.includes(row.op) && errors[row.key] ? (
            <p className="field-error filter-row-error">{errors[row.key]}</p>
          ) : null}
        </div>
      ))}
      <button
        type="button"
        className="button button-small"
        onClick={() => onChange([...rows, newRow(dataType)])}
      >
        Add filter
      </button>
    </div>
  );
}
