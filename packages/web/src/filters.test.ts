import { activityFilterSchema, alertFilterSchema } from '@cloudsiem/protocol';
import { describe, expect, it } from 'vitest';
import {
  choicesFor,
  describeFilter,
  filterToRows,
  kindOf,
  newRow,
  rowsToFilter,
  type FilterRow,
} from './filters.ts';

const row = (field: string, op: FilterRow['op'], value = '', key = Math.random()): FilterRow => ({
  key,
  field,
  op,
  value,
});

describe('filter builder rows → MDCA filter', () => {
  it('turns comma-separated eq/neq values into lists, trimmed, empties dropped', () => {
    const { filter, errors } = rowsToFilter('activities', [
      row('appName', 'eq', ' Box, Dropbox ,,'),
      row('user', 'neq', 'bot@example.com'),
    ]);
    expect(errors).toEqual({});
    expect(filter).toEqual({ appName: { eq: ['Box', 'Dropbox'] }, user: { neq: ['bot@example.com'] } });
    expect(activityFilterSchema.safeParse(filter).success).toBe(true);
  });

  it('types values by the field kind: numbers, booleans, dates for time fields', () => {
    const { filter, errors } = rowsToFilter('activities', [
      row('isAdmin', 'eq', 'true'),
      row('timestamp', 'gte', '2024-05-01T00:00:00Z'),
      row('timestamp', 'lte', '1714608000000'),
    ]);
    expect(errors).toEqual({});
    expect(filter).toEqual({
      isAdmin: { eq: [true] },
      timestamp: { gte: Date.parse('2024-05-01T00:00:00Z'), lte: 1714608000000 },
    });
    expect(activityFilterSchema.safeParse(filter).success).toBe(true);
    const alerts = rowsToFilter('alerts', [row('riskScore', 'eq', '3, 4.5'), row('source', 'isnotset')]);
    expect(alerts.filter).toEqual({ riskScore: { eq: [3, 4.5] }, source: { isnotset: true } });
    expect(alertFilterSchema.safeParse(alerts.filter).success).toBe(true);
  });

  it('keeps contains/startswith values as typed (case and spaces matter)', () => {
    const { filter } = rowsToFilter('alerts', [
      row('description', 'contains', ' Mass download'),
      row('type', 'startswith', 'ALERT_'),
    ]);
    expect(filter).toEqual({ description: { contains: ' Mass download' }, type: { startswith: 'ALERT_' } });
  });

  it('merges rows on one field and joins eq lists without duplicates', () => {
    const { filter, errors } = rowsToFilter('activities', [
      row('appName', 'eq', 'Box'),
      row('appName', 'eq', 'Box, Slack'),
      row('appName', 'contains', 'o'),
    ]);
    expect(errors).toEqual({});
    expect(filter).toEqual({ appName: { eq: ['Box', 'Slack'], contains: 'o' } });
  });

  it('reports each row it cannot convert, by key, and leaves it out', () => {
    const { filter, errors } = rowsToFilter('activities', [
      row('appName', 'eq', ' , ', 1),
      row('timestamp', 'gte', 'yesterday-ish', 2),
      row('isAdmin', 'eq', 'maybe', 3),
      row('nope', 'eq', 'x', 4),
      row('isAdmin', 'contains', 'x', 5),
      row('timestamp', 'gte', '5', 6),
      row('timestamp', 'gte', '6', 7),
      row('user', 'isset', '', 8),
    ]);
    expect(Object.keys(errors).map(Number)).toEqual([1, 2, 3, 4, 5, 7]);
    expect(errors[1]).toMatch(/at least one value/);
    expect(errors[2]).toMatch(/date/);
    expect(errors[3]).toMatch(/true or false/);
    expect(errors[5]).toMatch(/does not apply/);
    expect(errors[7]).toMatch(/already has/);
    expect(filter).toEqual({ timestamp: { gte: 5 }, user: { isset: true } });
  });

  it('a new row starts on the first field with eq', () => {
    const r = newRow('alerts');
    expect(r).toMatchObject({ field: 'id', op: 'eq', value: '' });
    expect(newRow('alerts').key).not.toBe(r.key);
  });
});

describe('MDCA filter → rows', () => {
  it('round-trips through rows back to the same filter', () => {
    const filters = [
      { appName: { eq: ['Box', 'Dropbox'] }, user: { isset: true } },
      { timestamp: { gte: 1714521600000, lte: 1714608000000 }, isAdmin: { neq: [false] } },
      { description: { contains: 'a, b' }, appIds: { startswith: 'APPID_' } },
    ] as const;
    for (const filter of filters) {
      const rows = filterToRows('activities', filter);
      expect(rowsToFilter('activities', rows)).toEqual({ filter, errors: {} });
    }
  });

  it('shows times as ISO dates and a single eq value as a list of one', () => {
    const rows = filterToRows('activities', { timestamp: { gte: 0 }, appName: { eq: 'Box' } });
    expect(rows.map((r) => [r.field, r.op, r.value])).toEqual([
      ['timestamp', 'gte', '1970-01-01T00:00:00.000Z'],
      ['appName', 'eq', 'Box'],
    ]);
  });

  it('describes a filter in one line', () => {
    expect(describeFilter('activities', null)).toBe('All');
    expect(describeFilter('activities', { appName: { eq: ['Box', 'Slack'] }, ip: { isnotset: true } })).toBe(
      'appName is Box, Slack · ip is not set',
    );
  });
});

describe('fields and values the API refuses', () => {
  it('knows no prototype keys as fields', () => {
    for (const field of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(kindOf('alerts', field)).toBeUndefined();
      const { filter, errors } = rowsToFilter('alerts', [row(field, 'eq', 'x', 1)]);
      expect(filter).toEqual({});
      expect(errors[1]).toMatch(/^choose a field/);
    }
  });

  it('offers severity as a choice of the stored values; other fields are typed', () => {
    expect(choicesFor('alerts', 'severity')).toEqual(['informational', 'low', 'medium', 'high']);
    expect(choicesFor('alerts', 'source')).toBeUndefined();
    expect(choicesFor('activities', 'category')).toBeUndefined();
  });

  it('refuses per row what the API would refuse, with the same message, case variants too', () => {
    const rows = [
      row('severity', 'eq', 'critical', 1),
      row('severity', 'eq', 'High', 2),
      row('type', 'startswith', 'alert_imp', 3),
      row('type', 'eq', 'IMPOSSIBLE_TRAVEL', 4),
      row('severity', 'eq', 'low', 5),
    ];
    const { filter, errors } = rowsToFilter('alerts', rows);
    const hint = (v: string) => `; did you mean \`${v}\`? (values are compared with their case)`;
    expect(errors).toEqual({
      1: 'severity: `critical` is not one of informational, low, medium, high',
      2: `severity: \`High\` is not one of informational, low, medium, high${hint('high')}`,
      3: `type: no value starts with \`alert_imp\`; type is a type like ALERT_IMPOSSIBLE_TRAVEL (ALERT_ then capitals, digits and _)${hint('ALERT_IMP')}`,
      4: 'type: `IMPOSSIBLE_TRAVEL` is not a type like ALERT_IMPOSSIBLE_TRAVEL (ALERT_ then capitals, digits and _)',
    });
    expect(filter).toEqual({ severity: { eq: ['low'] } });
    // The same messages as the API's schema, which decides.
    const api = alertFilterSchema.safeParse({
      severity: { eq: ['critical', 'High'] },
      type: { startswith: 'alert_imp' },
    });
    expect(api.error?.issues.map((i) => i.message)).toEqual([errors[1], errors[2], errors[3]]);
  });

  it('splits a saved severity list into one row per value and joins them back', () => {
    const saved = { severity: { eq: ['high', 'medium'] }, appName: { eq: ['Box', 'Slack'] } };
    const rows = filterToRows('alerts', saved);
    expect(rows.map((r) => [r.field, r.op, r.value])).toEqual([
      ['severity', 'eq', 'high'],
      ['severity', 'eq', 'medium'],
      ['appName', 'eq', 'Box, Slack'],
    ]);
    expect(rowsToFilter('alerts', rows)).toEqual({ filter: saved, errors: {} });
    expect(describeFilter('alerts', saved)).toBe('severity is high, medium · appName is Box, Slack');
  });
});
