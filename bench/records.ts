// Deterministic, realistic activities and alerts for benchmarks (about 800 bytes of JSON per
// activity): a seeded PRNG (mulberry32), so every run and every benchmark sees the same data.

import type { CefSettings } from '@cloudsiem/cef';

export interface BenchActivity {
  id: string;
  timestamp: number;
  createdAt: number;
  category: string;
  action: string;
  description: string;
  user: string;
  appName: string;
  appIds: string[];
  ip: string;
  userAgent: string;
  targetObjects: string[];
  policyIds: string[];
  country: string;
  deviceType: string;
  isAdmin: boolean;
}

export interface BenchAlert {
  id: string;
  timestamp: number;
  createdAt: number;
  type: string;
  policyName: string;
  policyIds: string[];
  severity: 'informational' | 'low' | 'medium' | 'high';
  description: string;
  user: string;
  appName: string;
  appIds: string[];
  riskScore: number | null;
  relatedActivityIds: string[];
  ip: string;
  source: string;
  status: string;
}

/** mulberry32: a tiny, fast, seedable 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const APPS = [
  { name: 'Microsoft 365', id: 'APPID_O365' },
  { name: 'Microsoft Exchange Online', id: 'APPID_OUTLOOK' },
  { name: 'Microsoft SharePoint Online', id: 'APPID_SHAREPOINT' },
  { name: 'Microsoft OneDrive for Business', id: 'APPID_ONEDRIVE' },
  { name: 'ServiceNow', id: 'APPID_SERVICENOW' },
  { name: 'Salesforce', id: 'APPID_SALESFORCE' },
  { name: 'Box', id: 'APPID_BOX' },
  { name: 'Google Workspace', id: 'APPID_33626' },
  { name: 'Amazon Web Services', id: 'APPID_AWS' },
  { name: 'GitHub', id: 'APPID_GITHUB' },
];

const ACTIVITIES = [
  { category: 'EVENT_CATEGORY_LOGIN', action: 'Log on', verb: 'Log on' },
  { category: 'EVENT_CATEGORY_LOGOUT', action: 'Log out', verb: 'Log out' },
  { category: 'EVENT_CATEGORY_DOWNLOAD_FILE', action: 'Download file', verb: 'Download file' },
  { category: 'EVENT_CATEGORY_UPLOAD_FILE', action: 'Upload file', verb: 'Upload file' },
  { category: 'EVENT_CATEGORY_SHARE_FILE', action: 'Share file', verb: 'Share file' },
  { category: 'EVENT_CATEGORY_DELETE_OBJECT', action: 'Delete object', verb: 'Delete object' },
  { category: 'EVENT_CATEGORY_VIEW_REPORT', action: 'View report', verb: 'View report' },
  { category: 'EVENT_CATEGORY_CREATE_USER', action: 'Create user', verb: 'Create user' },
  { category: 'EVENT_CATEGORY_CHANGE_PASSWORD', action: 'Change password', verb: 'Change password' },
  {
    category: 'EVENT_CATEGORY_EDIT_MAILBOX_PERMISSIONS',
    action: 'Add mailbox permission',
    verb: 'Add permission',
  },
];

const USERS = [
  'admin',
  'alice.johnson',
  'bob.smith',
  'carol.nguyen',
  'dmitri.ivanov',
  'eve.martin',
  'svc-backup',
];
const DOMAINS = ['contoso.com', 'fabrikam.onmicrosoft.com', 'northwindtraders.com'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)',
  'OneDriveSyncEngine/24.076.0414.0001 (Windows/10.0; AMD64)',
  'python-requests/2.31.0',
];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'IN', 'JP', 'BR', 'NL'];
const DEVICE_TYPES = ['DESKTOP', 'MOBILE', 'TABLET', 'OTHER'];
const FILES = [
  'Q3 board deck (final).pptx',
  'payroll-2024-05.xlsx',
  'customer export 2024-06-01.csv',
  'Architecture review — draft v2.docx',
  'id_rsa.pub',
  'Projektplan Überarbeitung.docx',
];
const POLICIES = [
  { id: '59f0ab82f797fa0681e9b1c7', name: 'Mass download by a single user' },
  { id: '59f0ab35f797fa9811e9b1c7', name: 'Activity from infrequent country' },
  { id: '5a1b2c3d4e5f60718293a4b5', name: 'File shared with personal email address' },
  { id: '64c0ffee00000000000a11ce', name: 'Impossible travel' },
];
const SEVERITIES = ['informational', 'low', 'medium', 'high'] as const;

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function hex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

function uuid(random: () => number): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

function ip(random: () => number): string {
  if (random() < 0.2) {
    return `2001:db8:${hex(random, 4)}:${hex(random, 4)}::${hex(random, 3)}`;
  }
  const octet = () => 1 + Math.floor(random() * 254);
  return `${octet()}.${octet()}.${octet()}.${octet()}`;
}

/**
 * Activities without end, ~800 bytes each as JSON, the same for the same seed: for backlogs too
 * big to hold in memory (a million records are ~1.5 GB as objects), written out as they come.
 */
export function* generateActivities(seed = 1): Generator<BenchActivity, never> {
  const random = mulberry32(seed);
  let time = T0;
  for (;;) {
    time += Math.floor(random() * 2000);
    const app = pick(random, APPS);
    const kind = pick(random, ACTIVITIES);
    const user = `${pick(random, USERS)}@${pick(random, DOMAINS)}`;
    const file = pick(random, FILES);
    const objectId = hex(random, 32);
    const targets = [file, objectId, user];
    if (random() < 0.5)
      targets.push(`https://${app.id.toLowerCase()}.example.com/sites/team/${hex(random, 8)}`);
    const policyIds: string[] = [];
    if (random() < 0.3) policyIds.push(pick(random, POLICIES).id);
    yield {
      id: `${time + 5000}_${uuid(random)}`,
      timestamp: time,
      createdAt: time + 5000 + Math.floor(random() * 1000),
      category: kind.category,
      action: kind.action,
      description: `${kind.verb}: ${app.name} object ${objectId} "${file}" by ${user} from a ${pick(random, DEVICE_TYPES).toLowerCase()} device`,
      user,
      appName: app.name,
      appIds: [app.id],
      ip: ip(random),
      userAgent: pick(random, USER_AGENTS),
      targetObjects: targets,
      policyIds,
      country: pick(random, COUNTRIES),
      deviceType: pick(random, DEVICE_TYPES),
      isAdmin: random() < 0.1,
    };
  }
}

/** The first `n` activities of `generateActivities(seed)`. */
export function makeActivities(n: number, seed = 1): BenchActivity[] {
  const activities = generateActivities(seed);
  const out: BenchActivity[] = [];
  for (let i = 0; i < n; i++) out.push(activities.next().value);
  return out;
}

/** `n` alerts, the same for the same seed. */
export function makeAlerts(n: number, seed = 2): BenchAlert[] {
  const random = mulberry32(seed);
  const out: BenchAlert[] = [];
  let time = T0;
  for (let i = 0; i < n; i++) {
    time += Math.floor(random() * 20_000);
    const app = pick(random, APPS);
    const policy = pick(random, POLICIES);
    const user = `${pick(random, USERS)}@${pick(random, DOMAINS)}`;
    const related = Array.from(
      { length: 1 + Math.floor(random() * 3) },
      () => `${time - 60_000}_${uuid(random)}`,
    );
    out.push({
      id: hex(random, 24),
      timestamp: time,
      createdAt: time + 3000,
      type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
      policyName: policy.name,
      policyIds: [policy.id],
      severity: pick(random, SEVERITIES),
      description: `Activity policy ''${policy.name}'' was triggered by ''${user}''`,
      user,
      appName: app.name,
      appIds: [app.id],
      riskScore: random() < 0.5 ? null : Math.floor(random() * 10) + 1,
      relatedActivityIds: related,
      ip: ip(random),
      source: random() < 0.9 ? 'cloud-apps' : 'identity',
      status: 'OPEN',
    });
  }
  return out;
}

/** The format settings the benchmarks encode with: PRI and a system name, the longest prefix. */
export const BENCH_SETTINGS: CefSettings = {
  format: 'generic',
  timeFormat: 'rfc5424',
  includePri: true,
  systemName: 'siem-agent-01',
  portalUrl: 'https://contoso.portal.cloudappsecurity.com',
  deviceVersion: '0.1.0',
};
