// The connected-app simulator: every record it makes parses with the protocol's schemas, it is
// deterministic per seed, realistic, hostile where asked, and its traffic triggers the built-in policies.
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { activitySchema, alertSchema, policyInputSchema } from '@cloudsiem/protocol';
import { BUILTIN_POLICIES, RISKY_COUNTRIES } from '../services/builtin-policies.ts';
import {
  HOSTILE_KINDS,
  createSimulator,
  type ActivityInput,
  type AlertInput,
  type HostileKind,
} from './index.ts';

const NOW = Date.UTC(2024, 4, 14, 9, 30);
const SEEDS = [1, 42, 2024, 0xdeadbeef];
const APPS = [
  'Microsoft 365',
  'SharePoint Online',
  'OneDrive for Business',
  'Exchange Online',
  'Microsoft Teams',
  'Box',
  'Dropbox',
  'Salesforce',
  'ServiceNow',
  'Google Workspace',
  'GitHub',
  'Slack',
  'Amazon Web Services',
];

/** Activities from a simulator whose clock moves 1000/rate ms per activity, as under `simulate --rate`. */
function atRate(seed: number, count: number, ratePerSecond = 20, options = {}): ActivityInput[] {
  let clock = NOW;
  const sim = createSimulator({ seed, now: () => clock, ...options });
  const out: ActivityInput[] = [];
  for (let i = 0; i < count; i++) {
    out.push(...sim.activities(1));
    clock += 1000 / ratePerSecond;
  }
  return out;
}

function strings(activity: ActivityInput): string[] {
  return [
    activity.description ?? '',
    activity.user ?? '',
    activity.userAgent ?? '',
    activity.action,
    ...(activity.targetObjects ?? []),
  ];
}

/** Printable ASCII without the characters CEF escapes: what the simulator's ordinary records hold. */
const isPlain = (value: string): boolean => /^[\x20-\x7e]*$/.test(value) && !/[=|\\]/.test(value);
const isClean = (activity: ActivityInput): boolean => strings(activity).every(isPlain);
const hasControl = (value: string, codes: (code: number) => boolean): boolean =>
  [...value].some((char) => codes(char.codePointAt(0) ?? 0));
const multiByte = (value: string): boolean => Buffer.byteLength(value, 'utf8') > value.length;

/** How to recognise each hostile kind in a record, independently of how the simulator makes it. */
const DETECTORS: Record<HostileKind, (activity: ActivityInput) => boolean> = {
  equals: (a) => strings(a).some((v) => v.includes('=')),
  pipe: (a) => strings(a).some((v) => v.includes('|')),
  backslash: (a) => strings(a).some((v) => /\\[^]/.test(v)),
  'trailing-backslash': (a) => strings(a).some((v) => v.endsWith('\\')),
  cr: (a) => strings(a).some((v) => /\r(?!\n)/.test(v)),
  lf: (a) => strings(a).some((v) => /(?<!\r)\n/.test(v)),
  crlf: (a) => strings(a).some((v) => v.includes('\r\n')),
  tab: (a) => strings(a).some((v) => v.includes('\t')),
  nul: (a) => strings(a).some((v) => v.includes('\u0000')),
  'c0-control': (a) =>
    strings(a).some((v) => hasControl(v, (c) => c > 0 && c < 0x20 && c !== 9 && c !== 10 && c !== 13)),
  del: (a) => strings(a).some((v) => hasControl(v, (c) => c === 0x7f)),
  cjk: (a) => strings(a).some((v) => /\p{Script=Han}/u.test(v)),
  arabic: (a) => strings(a).some((v) => /\p{Script=Arabic}/u.test(v)),
  'hebrew-rtl': (a) => strings(a).some((v) => /\p{Script=Hebrew}/u.test(v)),
  cyrillic: (a) => strings(a).some((v) => /\p{Script=Cyrillic}/u.test(v)),
  devanagari: (a) => strings(a).some((v) => /\p{Script=Devanagari}/u.test(v)),
  emoji: (a) =>
    strings(a).some((v) => /\p{Extended_Pictographic}/u.test(v) && /[\u{10000}-\u{10ffff}]/u.test(v)),
  combining: (a) => strings(a).some((v) => /[\u0300-\u036f]/.test(v)),
  'long-description': (a) => (a.description ?? '').length >= 5000 && multiByte(a.description ?? ''),
  'long-file-name': (a) => (a.targetObjects ?? []).some((t) => t.length >= 2000 && multiByte(t)),
};

describe('createSimulator', () => {
  it('makes activities and identity alerts that parse with the protocol schemas, over several seeds', () => {
    for (const seed of SEEDS) {
      const sim = createSimulator({ seed, now: () => NOW });
      const activities = [...sim.activities(1000), ...sim.activities(2500), ...sim.activities(1500)];
      const alerts = [...sim.identityAlerts(sim.pendingIdentityAlerts()), ...sim.identityAlerts(300)];
      expect(activities).toHaveLength(5000);
      expect(alerts.length).toBeGreaterThan(300);
      const badActivities = activities.filter((a) => !activitySchema.safeParse(a).success);
      const badAlerts = alerts.filter((a) => !alertSchema.safeParse(a).success);
      expect(badActivities).toEqual([]);
      expect(badAlerts).toEqual([]);
    }
  });

  it('keeps every record valid when all of them are hostile', () => {
    const sim = createSimulator({ seed: 7, now: () => NOW, hostileShare: 1, identityAlertShare: 0.5 });
    const activities = sim.activities(3000);
    const alerts = sim.identityAlerts(sim.pendingIdentityAlerts());
    expect(activities.filter((a) => !activitySchema.safeParse(a).success)).toEqual([]);
    expect(alerts.filter((a) => !alertSchema.safeParse(a).success)).toEqual([]);
    // Burst records stay ordinary so that the threshold policies still see one user; the rest are hostile.
    expect(activities.filter(isClean).length).toBeLessThan(activities.length * 0.05);
  });

  it('is deterministic for a seed and a clock, and differs between seeds', () => {
    const run = (seed: number) => {
      const sim = createSimulator({ seed, now: () => NOW });
      return { activities: sim.activities(500), alerts: sim.identityAlerts(20), users: sim.users };
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42).activities).not.toEqual(run(43).activities);
  });

  it('gives ids unique across calls, and apart from those of a simulator with another seed', () => {
    const a = createSimulator({ seed: 1, now: () => NOW });
    const b = createSimulator({ seed: 2, now: () => NOW });
    const ids = [a, b].flatMap((sim) => [
      ...sim.activities(3000).map((x) => x.id),
      ...sim.activities(3000).map((x) => x.id),
      ...sim.identityAlerts(500).map((x) => x.id),
      ...sim.identityAlerts(500).map((x) => x.id),
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rejects a negative or fractional count and shares outside 0–1', () => {
    const sim = createSimulator({ seed: 1 });
    expect(() => sim.activities(-1)).toThrow(RangeError);
    expect(() => sim.identityAlerts(1.5)).toThrow(RangeError);
    expect(sim.activities(0)).toEqual([]);
    expect(() => createSimulator({ hostileShare: 1.5 })).toThrow(/hostileShare/);
    expect(() => createSimulator({ identityAlertShare: -0.1 })).toThrow(/identityAlertShare/);
  });
});

describe('realistic activities', () => {
  const sim = createSimulator({ seed: 2024, now: () => NOW });
  const all = sim.activities(20_000);
  const plain = all.filter(isClean);

  it('come from the thirteen connected apps, each with its own app id', () => {
    expect(new Set(all.map((a) => a.appName))).toEqual(new Set(APPS));
    for (const activity of all)
      expect(activity.appIds).toEqual([expect.stringMatching(/^APPID_[A-Z0-9_]+$/)]);
    const idsByApp = new Map(all.map((a) => [a.appName, a.appIds?.[0]]));
    expect(new Set(idsByApp.values()).size).toBe(APPS.length);
  });

  it('give each action one category, the expected one for the common actions', () => {
    const categoryOf = new Map<string, Set<string>>();
    for (const { action, category } of plain) {
      categoryOf.set(action, (categoryOf.get(action) ?? new Set()).add(category));
    }
    for (const [action, categories] of categoryOf) expect([action, categories.size]).toEqual([action, 1]);
    const expected = {
      'Log on': 'EVENT_CATEGORY_LOGIN',
      'Log out': 'EVENT_CATEGORY_LOGOUT',
      'Failed log on': 'EVENT_CATEGORY_FAILED_LOGIN',
      'Download file': 'EVENT_CATEGORY_DOWNLOAD_FILE',
      'Upload file': 'EVENT_CATEGORY_UPLOAD_FILE',
      'Share file externally': 'EVENT_CATEGORY_SHARE_FILE',
      'Delete file': 'EVENT_CATEGORY_DELETE_FILE',
      'Create repository': 'EVENT_CATEGORY_CREATE_REPOSITORY',
      'Run instance': 'EVENT_CATEGORY_RUN_INSTANCE',
      'Delete instance': 'EVENT_CATEGORY_DELETE_INSTANCE',
      'Send mail': 'EVENT_CATEGORY_SEND_MAIL',
      'Create inbox rule': 'EVENT_CATEGORY_CREATE_RULE',
      'Change admin role': 'EVENT_CATEGORY_UPDATE_PRIVILEGE',
    };
    for (const [action, category] of Object.entries(expected)) {
      expect(categoryOf.get(action), action).toEqual(new Set([category]));
    }
    const awsActions = new Set(plain.filter((a) => a.appName === 'Amazon Web Services').map((a) => a.action));
    expect(awsActions.has('Run instance') && awsActions.has('Delete instance')).toBe(true);
  });

  it('describe what happened in a sentence naming the user', () => {
    for (const activity of plain) {
      expect(activity.description).toContain(activity.user);
      expect(activity.description).not.toMatch(/[{}]/);
    }
  });

  it('come from a fixed pool of about 40 users over two domains, a few of them admins', () => {
    expect(sim.users.length).toBeGreaterThanOrEqual(35);
    expect(sim.users.length).toBeLessThanOrEqual(45);
    expect(new Set(sim.users.map((u) => u.split('@')[1])).size).toBeGreaterThanOrEqual(2);
    const pool = new Set(sim.users);
    const admin = new Map<string, boolean>();
    for (const activity of plain) {
      expect(pool.has(activity.user ?? '')).toBe(true);
      const known = admin.get(activity.user ?? '');
      expect(known === undefined || known === activity.isAdmin).toBe(true);
      admin.set(activity.user ?? '', activity.isAdmin ?? false);
    }
    const admins = [...admin].filter(([, isAdmin]) => isAdmin).length;
    expect(admins).toBeGreaterThanOrEqual(2);
    expect(admins).toBeLessThanOrEqual(6);
    for (const activity of plain.filter((a) => a.action === 'Change admin role')) {
      expect(activity.isAdmin).toBe(true);
    }
  });

  it('carry IPv4 and about 20% IPv6 addresses, sometimes none, with the country they belong to', () => {
    const v6 = all.filter((a) => a.ip != null && isIP(a.ip) === 6).length / all.length;
    const none = all.filter((a) => a.ip == null).length / all.length;
    expect(v6).toBeGreaterThan(0.15);
    expect(v6).toBeLessThan(0.27);
    expect(none).toBeGreaterThan(0.01);
    expect(none).toBeLessThan(0.06);
    for (const activity of all) {
      if (activity.ip == null) expect(activity.country).toBeNull();
      else expect(activity.country).toMatch(/^[A-Z]{2}$/);
    }
    const countries = new Set(all.map((a) => a.country));
    for (const risky of RISKY_COUNTRIES) expect(countries.has(risky)).toBe(true);
  });

  it('name browsers, mobile apps and command-line tools, and the kind of device', () => {
    const agents = plain.map((a) => a.userAgent);
    for (const pattern of [/^Mozilla\/5\.0 \(Windows/, /iPhone|Android/, /^aws-cli\//, /^git\//]) {
      expect(
        agents.some((ua) => ua != null && pattern.test(ua)),
        String(pattern),
      ).toBe(true);
    }
    expect(agents.some((ua) => ua === null)).toBe(true);
    expect(new Set(all.map((a) => a.deviceType))).toEqual(new Set(['desktop', 'mobile', 'server']));
    for (const activity of plain.filter((a) => /^aws-cli\//.test(a.userAgent ?? ''))) {
      expect(activity.appName).toBe('Amazon Web Services');
    }
  });

  it('point at target objects: files, repositories, mailboxes, instances', () => {
    const targets = plain.flatMap((a) => a.targetObjects ?? []);
    expect(targets.some((t) => /\.(xlsx|docx|pdf)$/.test(t))).toBe(true);
    expect(targets.some((t) => /^(contoso|fabrikam)\/[a-z-]+$/.test(t))).toBe(true);
    expect(targets.some((t) => /^i-0[0-9a-f]{16}$/.test(t))).toBe(true);
    expect(
      plain.filter((a) => a.action === 'Create inbox rule').every((a) => a.targetObjects?.length === 2),
    ).toBe(true);
  });

  it('happened up to a minute before now, about 1% of them minutes to hours late, none in the future', () => {
    const late = all.filter((a) => a.timestamp < NOW - 60_000);
    for (const activity of all) expect(activity.timestamp).toBeLessThanOrEqual(NOW);
    for (const activity of late) {
      expect(activity.timestamp).toBeLessThanOrEqual(NOW - 2 * 60_000);
      expect(activity.timestamp).toBeGreaterThanOrEqual(NOW - 6 * 3_600_000);
    }
    expect(late.length / all.length).toBeGreaterThan(0.005);
    expect(late.length / all.length).toBeLessThan(0.016);
  });
});

describe('hostile strings', () => {
  it('appear in about hostileShare of the activities, every kind in every field', () => {
    const sim = createSimulator({ seed: 99, now: () => NOW });
    const activities = sim.activities(20_000);
    const hostile = activities.filter((a) => !isClean(a));
    expect(hostile.length / activities.length).toBeGreaterThan(0.02);
    expect(hostile.length / activities.length).toBeLessThan(0.04);
    for (const kind of HOSTILE_KINDS) {
      expect(activities.some(DETECTORS[kind]), kind).toBe(true);
    }
    const fields: Record<string, (a: ActivityInput) => string[]> = {
      description: (a) => [a.description ?? ''],
      user: (a) => [a.user ?? ''],
      targetObjects: (a) => a.targetObjects ?? [],
      userAgent: (a) => [a.userAgent ?? ''],
      action: (a) => [a.action],
    };
    for (const [field, values] of Object.entries(fields)) {
      expect(
        activities.some((a) => !values(a).every(isPlain)),
        field,
      ).toBe(true);
    }
  });

  it('include a 5,000-character description and a 2,000-character file name, both multi-byte', () => {
    const activities = createSimulator({ seed: 5, now: () => NOW, hostileShare: 1 }).activities(200);
    const description = activities.find(DETECTORS['long-description'])?.description ?? '';
    const file = activities.flatMap((a) => a.targetObjects ?? []).find((t) => t.length >= 2000) ?? '';
    expect(description).toHaveLength(5000);
    expect(file).toHaveLength(2000);
    expect(Buffer.byteLength(description)).toBeGreaterThan(5500);
    expect(Buffer.byteLength(file)).toBeGreaterThan(2200);
  });

  it('appear in identity alerts too', () => {
    const sim = createSimulator({ seed: 3, now: () => NOW, hostileShare: 0.2 });
    const alerts = sim.identityAlerts(500);
    const plainAlert = (a: AlertInput) => [a.description ?? '', a.user ?? ''].every(isPlain);
    expect(alerts.filter((a) => !plainAlert(a)).length).toBeGreaterThan(50);
  });

  it('are absent with hostileShare 0: printable ASCII only, no CEF special characters', () => {
    const sim = createSimulator({ seed: 11, now: () => NOW, hostileShare: 0, identityAlertShare: 0.05 });
    const activities = sim.activities(10_000);
    expect(activities.filter((a) => !isClean(a))).toEqual([]);
    const alerts = sim.identityAlerts(sim.pendingIdentityAlerts() + 100);
    expect(alerts.filter((a) => ![a.description ?? '', a.user ?? '', a.policyName].every(isPlain))).toEqual(
      [],
    );
  });
});

describe('identity alerts', () => {
  it('follow about identityAlertShare of the activities and name them', () => {
    const sim = createSimulator({ seed: 8, now: () => NOW, identityAlertShare: 0.01 });
    const activities = sim.activities(20_000);
    const byId = new Map(activities.map((a) => [a.id, a]));
    const pending = sim.pendingIdentityAlerts();
    expect(pending).toBeGreaterThan(120);
    expect(pending).toBeLessThan(300);
    const alerts = sim.identityAlerts(pending);
    expect(sim.pendingIdentityAlerts()).toBe(0);
    for (const alert of alerts) {
      expect(alert.source).toBe('identity');
      expect(alert.type).toMatch(/^ALERT_IDENTITY_[A-Z0-9_]+$/);
      expect(alert.relatedActivityIds?.length).toBeGreaterThan(0);
      const related = (alert.relatedActivityIds ?? []).map((id) => byId.get(id));
      expect(related.every((a) => a !== undefined)).toBe(true);
      expect(alert.user?.startsWith(related[0]?.user ?? '\u0000')).toBe(true);
      expect(alert.timestamp).toBeGreaterThanOrEqual(related[0]?.timestamp ?? Infinity);
    }
    expect(new Set(alerts.map((a) => a.severity)).size).toBeGreaterThanOrEqual(3);
    const standalone = sim.identityAlerts(5);
    expect(standalone).toHaveLength(5);
    for (const alert of standalone) expect(alert.relatedActivityIds).toEqual([]);
  });

  it('include a brute-force alert naming the failed log ons of each failed-log-on burst', () => {
    const sim = createSimulator({ seed: 12, now: () => NOW, identityAlertShare: 0 });
    const activities = sim.activities(6000);
    const byId = new Map(activities.map((a) => [a.id, a]));
    const alerts = sim.identityAlerts(sim.pendingIdentityAlerts());
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    for (const alert of alerts) {
      expect(alert.type).toBe('ALERT_IDENTITY_BRUTE_FORCE');
      const related = (alert.relatedActivityIds ?? []).map((id) => byId.get(id));
      expect(related.length).toBeGreaterThan(5);
      for (const activity of related) {
        expect(activity?.category).toBe('EVENT_CATEGORY_FAILED_LOGIN');
        expect(activity?.user).toBe(alert.user);
      }
    }
  });
});

describe('BUILTIN_POLICIES', () => {
  const thresholdPolicies = BUILTIN_POLICIES.filter((p) => p.kind === 'threshold');
  const activityPolicies = BUILTIN_POLICIES.filter((p) => p.kind !== 'threshold');

  /** The categories or countries a built-in policy's filter lists: they use `eq` only. */
  function eqFilter(policy: (typeof BUILTIN_POLICIES)[number]): [keyof ActivityInput, unknown[]][] {
    return Object.entries(policy.filter as Record<string, Record<string, unknown>>).map(([field, cond]) => {
      expect(Object.keys(cond)).toEqual(['eq']);
      return [field as keyof ActivityInput, cond.eq as unknown[]];
    });
  }

  it('parse with policyInputSchema: activity policies and threshold policies', () => {
    expect(BUILTIN_POLICIES.length).toBeGreaterThanOrEqual(4);
    expect(BUILTIN_POLICIES.length).toBeLessThanOrEqual(5);
    for (const policy of BUILTIN_POLICIES) {
      const parsed = policyInputSchema.safeParse(policy);
      expect(parsed.error?.issues ?? [], policy.name).toEqual([]);
    }
    expect(new Set(BUILTIN_POLICIES.map((p) => p.name)).size).toBe(BUILTIN_POLICIES.length);
    expect(thresholdPolicies.length).toBeGreaterThanOrEqual(2);
  });

  it('each activity policy matches some of a few thousand activities', () => {
    for (const seed of SEEDS) {
      const activities = atRate(seed, 4000);
      for (const policy of activityPolicies) {
        const conditions = eqFilter(policy);
        const matches = activities.filter((a) =>
          conditions.every(([field, values]) => values.includes(a[field])),
        );
        expect(matches.length, `${policy.name}, seed ${seed}`).toBeGreaterThan(0);
      }
    }
  });

  it('each threshold policy is exceeded by one user within its window in a few thousand activities', () => {
    for (const seed of SEEDS) {
      const activities = atRate(seed, 4000);
      for (const policy of thresholdPolicies) {
        const [[field, values]] = eqFilter(policy) as [[keyof ActivityInput, unknown[]]];
        const { count, windowMinutes } = policy.threshold ?? { count: Infinity, windowMinutes: 0 };
        const times = new Map<string, number[]>();
        for (const a of activities.filter((x) => values.includes(x[field]))) {
          times.set(a.user ?? '', [...(times.get(a.user ?? '') ?? []), a.timestamp]);
        }
        let most = 0;
        for (const list of times.values()) {
          list.sort((x, y) => x - y);
          for (let i = 0, j = 0; j < list.length; j++) {
            while ((list[j] ?? 0) - (list[i] ?? 0) > windowMinutes * 60_000) i++;
            most = Math.max(most, j - i + 1);
          }
        }
        expect(most, `${policy.name}, seed ${seed}`).toBeGreaterThanOrEqual(count);
      }
    }
  });
});
