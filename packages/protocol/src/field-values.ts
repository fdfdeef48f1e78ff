// The values a filter may compare a field with where the record schemas (DESIGN §3, records.ts)
// store only some: alert severity and status are closed sets; activity category and alert type are
// capitals after a fixed prefix. A filter value no stored record can hold would silently match
// nothing, so the filter schema refuses it (case variants included). Alert source is open: ingest
// and the connectors store the service as the upstream names it (Graph's serviceSource as given).
import { ALERT_TRIAGE_STATUSES } from './alert-triage.ts';
import { ALERT_SEVERITIES } from './records.ts';

/** The values a field can hold: one of a set, or a prefix then one or more of [A-Z0-9_]. */
export type FieldValues =
  | { readonly kind: 'set'; readonly values: readonly string[] }
  | { readonly kind: 'prefixed'; readonly prefix: string; readonly example: string };

/** The fields with restricted values, per data type. Source is free text (DESIGN §3). */
export const FIELD_VALUES = {
  activities: {
    category: { kind: 'prefixed', prefix: 'EVENT_CATEGORY_', example: 'EVENT_CATEGORY_LOGIN' },
  },
  alerts: {
    severity: { kind: 'set', values: ALERT_SEVERITIES },
    status: { kind: 'set', values: ALERT_TRIAGE_STATUSES },
    type: { kind: 'prefixed', prefix: 'ALERT_', example: 'ALERT_IMPOSSIBLE_TRAVEL' },
  },
} as const satisfies Record<'activities' | 'alerts', Record<string, FieldValues>>;

/**
 * Values an open field usually holds, offered as suggestions where a filter is typed: DESIGN §3
 * names `cloud-apps` and `identity` (the seed's duplicate-alert scenario). Any other value stays
 * valid, as ingest and the connectors store other sources as the upstream names them.
 */
export const FIELD_SUGGESTIONS = {
  activities: {},
  alerts: { source: ['cloud-apps', 'identity'] },
} as const satisfies Record<'activities' | 'alerts', Record<string, readonly string[]>>;

/** The suggested values of an open field, or undefined (own keys only). */
export function fieldSuggestions(
  dataType: 'activities' | 'alerts',
  field: string,
): readonly string[] | undefined {
  const table: Readonly<Record<string, readonly string[]>> = FIELD_SUGGESTIONS[dataType];
  return Object.hasOwn(table, field) ? table[field] : undefined;
}

const SUFFIX = /^[A-Z0-9_]*$/;
/** Only plain ASCII is case-folded: toUpperCase maps `ı` to `I` and `ß` to `SS`. */
const ASCII_WORD = /^[\x20-\x7e]*$/;

/** The restricted values of a field, or undefined when it takes any string (own keys only). */
export function fieldValues(dataType: 'activities' | 'alerts', field: string): FieldValues | undefined {
  const table: Readonly<Record<string, FieldValues>> = FIELD_VALUES[dataType];
  return Object.hasOwn(table, field) ? table[field] : undefined;
}

export type ValueCheck = { value: string } | { error: string };

/** Whether the op can hold for some value in the set / of the pattern; eq and neq need a whole value. */
function possible(values: FieldValues, op: 'value' | 'contains' | 'startswith', text: string): boolean {
  if (values.kind === 'set') {
    if (op === 'value') return values.values.includes(text);
    return values.values.some((v) => (op === 'contains' ? v.includes(text) : v.startsWith(text)));
  }
  const { prefix } = values;
  switch (op) {
    case 'value':
      return text.length > prefix.length && text.startsWith(prefix) && SUFFIX.test(text.slice(prefix.length));
    // Every character of the prefixes is in the suffix alphabet, so any run of it can occur.
    case 'contains':
      return SUFFIX.test(text);
    case 'startswith':
      return prefix.startsWith(text) || (text.startsWith(prefix) && SUFFIX.test(text.slice(prefix.length)));
  }
}

function describe(field: string, values: FieldValues): string {
  return values.kind === 'set'
    ? `one of ${values.values.join(', ')}`
    : `a ${field} like ${values.example} (${values.prefix} then capitals, digits and _)`;
}

/**
 * Checks one filter value against the field's values. Anything no stored record can hold is
 * refused, case variants too (Microsoft's portal writes `High`; severities are stored lowercase):
 * the API stores exactly the filter it was sent, so the filter an admin reads back is the one that
 * runs. A value that differs from a possible one only in case is named in the message.
 */
export function checkFieldValue(
  field: string,
  values: FieldValues,
  op: 'eq' | 'neq' | 'contains' | 'startswith',
  text: string,
): ValueCheck {
  const kind = op === 'eq' || op === 'neq' ? 'value' : op;
  if (possible(values, kind, text)) return { value: text };
  let hint = '';
  if (ASCII_WORD.test(text)) {
    const folded = values.kind === 'set' ? text.toLowerCase() : text.toUpperCase();
    if (possible(values, kind, folded))
      hint = `; did you mean \`${folded}\`? (values are compared with their case)`;
  }
  if (kind === 'value') return { error: `${field}: \`${text}\` is not ${describe(field, values)}${hint}` };
  const verb = op === 'contains' ? 'contains' : 'starts with';
  return { error: `${field}: no value ${verb} \`${text}\`; ${field} is ${describe(field, values)}${hint}` };
}
