import { describe, expect, it } from 'vitest';
import { activitySchema, alertSchema } from './records.ts';
import { formatSettingsSchema } from './format-settings.ts';

const activity = {
  id: 'a1',
  timestamp: 1511373004000,
  category: 'EVENT_CATEGORY_LOGOUT',
  action: 'Log out',
};

const alertRecord = {
  id: 'x',
  timestamp: 1500151350531,
  type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
  policyName: 'myPolicy',
  severity: 'low',
};

describe('activitySchema', () => {
  it('fills the optional fields with their defaults', () => {
    expect(activitySchema.parse(activity)).toEqual({
      ...activity,
      description: '',
      user: null,
      appName: null,
      appIds: [],
      ip: null,
      userAgent: null,
      targetObjects: [],
      policyIds: [],
    });
  });

  it('accepts IPv4 and IPv6 addresses and rejects anything else', () => {
    expect(activitySchema.parse({ ...activity, ip: '13.82.149.151' }).ip).toBe('13.82.149.151');
    expect(activitySchema.parse({ ...activity, ip: '2001:db8::1' }).ip).toBe('2001:db8::1');
    const bad = activitySchema.safeParse({ ...activity, ip: '13.82.149.256' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['ip']);
  });

  it('reads an empty ip as no address (DESIGN §3), and still rejects blanks', () => {
    expect(activitySchema.parse({ ...activity, ip: '' }).ip).toBeNull();
    expect(alertSchema.parse({ ...alertRecord, ip: '' }).ip).toBeNull();
    expect(activitySchema.safeParse({ ...activity, ip: ' ' }).success).toBe(false);
  });

  it.each([
    ['id', { ...activity, id: '' }],
    ['timestamp', { ...activity, timestamp: -1 }],
    ['timestamp', { ...activity, timestamp: '2017-11-22' }],
    ['category', { ...activity, category: 'LOGOUT' }],
    ['action', { id: 'a', timestamp: 1, category: 'EVENT_CATEGORY_X' }],
  ])('names the bad field %s', (field, record) => {
    const result = activitySchema.safeParse(record);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe('alertSchema', () => {
  const alert = {
    id: 'x',
    timestamp: 1500151350531,
    type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
    policyName: 'myPolicy',
    severity: 'low',
  };

  it('defaults source to cloud-apps and keeps identity alerts apart', () => {
    expect(alertSchema.parse(alert).source).toBe('cloud-apps');
    expect(alertSchema.parse({ ...alert, source: 'identity' }).source).toBe('identity');
  });

  it('defaults status to open and refuses one outside the triage set, naming the set', () => {
    expect(alertSchema.parse(alert).status).toBe('open');
    expect(alertSchema.parse({ ...alert, status: 'closed-benign' }).status).toBe('closed-benign');
    for (const status of ['new', 'Open', '', null]) {
      const result = alertSchema.safeParse({ ...alert, status });
      expect(result.error?.issues.map((i) => [i.path, i.message])).toEqual([
        [['status'], 'must be one of open, closed-true-positive, closed-benign, closed-false-positive'],
      ]);
    }
  });

  it('rejects an unknown severity', () => {
    const result = alertSchema.safeParse({ ...alert, severity: 'critical' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['severity']);
  });
});

describe('formatSettingsSchema', () => {
  it('defaults to what Microsoft agent users expect', () => {
    expect(formatSettingsSchema.parse({})).toMatchObject({
      format: 'generic',
      timeFormat: 'rfc5424',
      includePri: false,
      vendor: 'MCAS',
      product: 'SIEM_Agent',
    });
  });

  it('rejects a facility outside 0–23', () => {
    expect(formatSettingsSchema.safeParse({ facility: 24 }).success).toBe(false);
  });
});
