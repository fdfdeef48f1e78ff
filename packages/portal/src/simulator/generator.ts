// The connected-app simulator: a seedable, deterministic generator of realistic canonical activities
// and Defender for Identity alerts (DESIGN §3), with hostile strings and policy-triggering bursts.
import type { z } from 'zod';
import type { AlertSeverity, activitySchema, alertSchema } from '@cloudsiem/protocol';
import { BUILTIN_THRESHOLDS } from '../services/builtin-policies.ts';

/** An activity as posted to the ingest API: the portal sets createdAt. */
export type ActivityInput = Omit<z.input<typeof activitySchema>, 'createdAt'>;
/** An alert as posted to the ingest API: the portal sets createdAt. */
export type AlertInput = Omit<z.input<typeof alertSchema>, 'createdAt'>;

export interface SimulatorOptions {
  /** Same seed and same clock → same records. Default: a random seed. */
  seed?: number;
  /** The clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Share of activities carrying a hostile string (0–1), default 0.03. */
  hostileShare?: number;
  /** Share of activities that also yield a Defender for Identity alert (0–1), default 0.01. */
  identityAlertShare?: number;
}

export interface Simulator {
  /** The next `count` activities, in the order a connected app would report them. */
  activities(count: number): ActivityInput[];
  /**
   * `count` identity alerts: first those that earlier activities raised (relatedActivityIds names
   * them), then stand-alone ones about a random user (relatedActivityIds empty).
   */
  identityAlerts(count: number): AlertInput[];
  /** How many alerts earlier activities have raised and identityAlerts has not yet returned. */
  pendingIdentityAlerts(): number;
  /** The simulated users' emails. */
  readonly users: readonly string[];
}

/** The kinds of hostile value the simulator cycles through, to exercise escaping and truncation. */
export const HOSTILE_KINDS = [
  'equals',
  'pipe',
  'backslash',
  'trailing-backslash',
  'cr',
  'lf',
  'crlf',
  'tab',
  'nul',
  'c0-control',
  'del',
  'cjk',
  'arabic',
  'hebrew-rtl',
  'cyrillic',
  'devanagari',
  'emoji',
  'combining',
  'long-description',
  'long-file-name',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

const CATEGORY = {
  login: 'EVENT_CATEGORY_LOGIN',
  logout: 'EVENT_CATEGORY_LOGOUT',
  failedLogin: 'EVENT_CATEGORY_FAILED_LOGIN',
  downloadFile: 'EVENT_CATEGORY_DOWNLOAD_FILE',
  shareFile: 'EVENT_CATEGORY_SHARE_FILE',
  updatePrivilege: 'EVENT_CATEGORY_UPDATE_PRIVILEGE',
} as const;

// ---------------------------------------------------------------------------------------------
// Randomness: sfc32 seeded through splitmix32 — fast and reproducible (not for secrets).

interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  hex(length: number): string;
}

function createRandom(seed: number): Random {
  let mix = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x27d4eb2d);
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      let total = 0;
      for (const [, weight] of items) total += weight;
      let roll = next() * total;
      for (const [item, weight] of items) {
        roll -= weight;
        if (roll < 0) return item;
      }
      return (items[items.length - 1] as readonly [T, number])[0];
    },
    hex: (length) => {
      let out = '';
      for (let i = 0; i < length; i++) out += int(0, 15).toString(16);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Where users are: per country an IPv4 /16 and (mostly) an IPv6 /64, so address and country agree.

const NETWORKS: Record<string, { v4: string; v6: string | null }> = {
  US: { v4: '40.112', v6: '2600:1700:5a40:3e10' },
  CA: { v4: '52.228', v6: '2607:fea8:1d5f:a200' },
  GB: { v4: '51.140', v6: '2a00:23c8:1c04:9d01' },
  DE: { v4: '51.116', v6: '2003:e6:2f1b:8c00' },
  FR: { v4: '20.188', v6: '2a01:cb00:85d:1a00' },
  NL: { v4: '52.166', v6: '2a02:a442:6b3:1' },
  ES: { v4: '83.56', v6: '2a0c:5a80:2401:3c00' },
  IT: { v4: '93.35', v6: '2a01:e11:5c08:9a0' },
  DK: { v4: '87.59', v6: '2a05:f6c7:3b1:100' },
  IN: { v4: '52.172', v6: '2401:4900:1c5a:2e0f' },
  JP: { v4: '20.46', v6: '2400:4051:8e1:c200' },
  BR: { v4: '191.233', v6: '2804:14c:5b82:8a10' },
  AU: { v4: '20.211', v6: '2001:8003:e4c5:d00' },
  SG: { v4: '20.198', v6: '2406:3003:2077:1a00' },
  CN: { v4: '114.114', v6: '240e:3a1:4c5d:1b0' },
  RU: { v4: '95.165', v6: '2a00:1370:8110:1' },
  IR: { v4: '5.160', v6: '2a01:5ec0:1000:2' },
  KP: { v4: '175.45', v6: null },
};

/** Where activity comes from when a user is away from home: travel, VPN exits, attackers. */
const AWAY_COUNTRIES: readonly (readonly [string, number])[] = [
  ['US', 20],
  ['GB', 10],
  ['DE', 10],
  ['FR', 8],
  ['NL', 5],
  ['ES', 5],
  ['IT', 5],
  ['JP', 5],
  ['SG', 5],
  ['AU', 5],
  ['BR', 5],
  ['IN', 5],
  ['CN', 3],
  ['RU', 3],
  ['IR', 2],
  ['KP', 1],
];

const IPV6_SHARE = 0.22;
const NO_IP_SHARE = 0.03;
const AWAY_SHARE = 0.12;
const LATE_SHARE = 0.01;

// ---------------------------------------------------------------------------------------------
// The users: a fixed pool over two domains, a few of them admins.

const USER_TABLE = `
admin@contoso.com US admin
megan.bowen@contoso.com US admin
alex.wilber@contoso.com US
adele.vance@contoso.com US
diego.siciliani@contoso.com US
grady.archie@contoso.com US
henrietta.mueller@contoso.com DE
isaiah.langer@contoso.com US
johanna.lorenz@contoso.com DE
joni.sherman@contoso.com US
lidia.holloway@contoso.com GB
lynne.robbins@contoso.com GB
miriam.graham@contoso.com US
nestor.wilke@contoso.com CA
patti.fernandez@contoso.com US
pradeep.gupta@contoso.com IN
irvin.sayers@contoso.com GB
christie.cline@contoso.com CA
debra.berger@contoso.com US
enrico.cattaneo@contoso.com IT
it-admin@fabrikam.com FR admin
lee.gu@fabrikam.com SG admin
allan.deyoung@fabrikam.com NL
ben.walters@fabrikam.com GB
camille.dubois@fabrikam.com FR
daniel.roth@fabrikam.com DE
emma.janssen@fabrikam.com NL
fatima.khan@fabrikam.com GB
gabriel.silva@fabrikam.com BR
hana.sato@fabrikam.com JP
ivan.petrov@fabrikam.com DE
julia.novak@fabrikam.com DK
kenji.tanaka@fabrikam.com JP
laura.moreau@fabrikam.com FR
mateo.garcia@fabrikam.com ES
nina.jensen@fabrikam.com DK
olivia.brown@fabrikam.com AU
priya.sharma@fabrikam.com IN
ravi.patel@fabrikam.com IN
sofia.rossi@fabrikam.com IT`;

interface UserProfile {
  email: string;
  isAdmin: boolean;
  country: string;
  /** Office and home IPv4 addresses, and a home IPv6 address when the country has one. */
  ipv4: string[];
  ipv6: string | null;
}

const USERS = USER_TABLE.trim()
  .split('\n')
  .map((line) => {
    const [email = '', country = 'US', role] = line.split(' ');
    return { email, country, isAdmin: role === 'admin' };
  });

// ---------------------------------------------------------------------------------------------
// Clients: user agents and the device type they imply.

type ClientKind = 'browser' | 'mobile' | 'office' | 'sync' | 'aws-cli' | 'git' | 'api';

const USER_AGENTS: Record<ClientKind, { agents: readonly string[]; deviceType: string }> = {
  browser: {
    deviceType: 'desktop',
    agents: [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
      'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
    ],
  },
  mobile: {
    deviceType: 'mobile',
    agents: [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
      'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    ],
  },
  office: {
    deviceType: 'desktop',
    agents: [
      'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Excel 16.0.17328; Pro)',
      'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Word 16.0.17328; Pro)',
      'Microsoft Office/16.0 (Macintosh; Mac OS X 14.4; Microsoft PowerPoint 16.84)',
    ],
  },
  sync: {
    deviceType: 'desktop',
    agents: ['Microsoft SkyDriveSync 24.055.0317.0003 ship; Windows NT 10.0 (22631)'],
  },
  'aws-cli': {
    deviceType: 'server',
    agents: [
      'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off',
      'aws-cli/2.13.25 Python/3.11.5 Darwin/23.4.0 exe/x86_64 prompt/off',
      'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.12.2',
      'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.43.0',
    ],
  },
  git: {
    deviceType: 'desktop',
    agents: ['git/2.44.0', 'git/2.39.3 (Apple Git-146)', 'GitHub CLI 2.47.0', 'GitHubDesktop/3.3.12'],
  },
  api: {
    deviceType: 'server',
    agents: ['python-requests/2.31.0', 'okhttp/4.12.0', 'Go-http-client/2.0'],
  },
};
const NO_USER_AGENT_SHARE = 0.04;

// ---------------------------------------------------------------------------------------------
// What the activities point at: target objects and the words of the description.

type TargetKind =
  | 'session'
  | 'file'
  | 'share'
  | 'mail'
  | 'mailbox'
  | 'rule'
  | 'repo'
  | 'pull-request'
  | 'instance'
  | 'bucket'
  | 'user'
  | 'role'
  | 'channel'
  | 'record'
  | 'report'
  | 'credential'
  | 'meeting';

interface Target {
  targetObjects: string[];
  vars: Record<string, string>;
}

const FILE_STEMS = [
  'Q3 forecast',
  'Board minutes 2024-05',
  'customer-list',
  'payroll_march',
  'architecture-diagram',
  'contract-northwind-signed',
  'roadmap FY25',
  'offsite photos',
  'incident-report-1427',
  'pricing v7',
  'salary bands 2024',
  'M&A target shortlist',
  'onboarding checklist',
  'penetration test results',
  'supplier invoices',
  'marketing plan',
  'employee handbook',
  'source-export',
];
const FILE_EXTENSIONS = ['.xlsx', '.docx', '.pdf', '.pptx', '.csv', '.zip', '.png', '.txt'];
const FOLDERS = [
  '/Shared Documents/Finance',
  '/Documents',
  '/Legal/Contracts',
  '/Marketing/Campaigns',
  '/Engineering/Specs',
  '/HR/Policies',
  '/Sales/Q3',
  '/Board',
];
const EXTERNAL_RECIPIENTS = [
  'j.smith@gmail.com',
  'partner@tailspintoys.com',
  'accounts@northwindtraders.com',
  'consultant@outlook.com',
  'share-inbox@protonmail.com',
];
const MAIL_SUBJECTS = [
  'Re: Q3 numbers',
  'Invoice 2024-1187',
  'Meeting notes',
  'Urgent: wire transfer',
  'Your password expires soon',
  'Weekly status',
  'FW: contract draft',
];
const INBOX_RULES = [
  'Move to RSS Subscriptions',
  'Forward to personal',
  'Delete security notifications',
  '.',
  'Archive newsletters',
];
const REPOS = [
  'contoso/payments-api',
  'contoso/web-portal',
  'contoso/infra-terraform',
  'contoso/mobile-app',
  'fabrikam/data-pipeline',
  'fabrikam/secrets-rotation',
];
const AWS_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1'];
const INSTANCE_TYPES = ['t3.micro', 't3.large', 'm6i.xlarge', 'c7g.2xlarge', 'p4d.24xlarge'];
const BUCKETS = ['contoso-finance-archive', 'contoso-app-logs', 'fabrikam-backups', 'fabrikam-ml-datasets'];
const CHANNELS = ['#general', '#incident-response', '#random', '#sales-emea', 'Finance team / General'];
const FAILURE_REASONS = [
  'invalid password',
  'account locked',
  'MFA request denied',
  'expired password',
  'unknown user',
];
const ROLES: Record<string, readonly string[]> = {
  'Microsoft 365': ['Global Administrator', 'Exchange Administrator', 'Security Reader'],
  Salesforce: ['System Administrator', 'Modify All Data'],
  ServiceNow: ['admin', 'security_admin'],
  GitHub: ['organization owner', 'repository admin'],
  'Amazon Web Services': ['AdministratorAccess', 'PowerUserAccess'],
};

function fileName(rng: Random): string {
  return `${rng.pick(FILE_STEMS)}${rng.pick(FILE_EXTENSIONS)}`;
}

function makeTarget(kind: TargetKind, rng: Random, user: UserProfile, appName: string): Target {
  switch (kind) {
    case 'session':
      return { targetObjects: [user.email], vars: { reason: rng.pick(FAILURE_REASONS) } };
    case 'file': {
      const file = fileName(rng);
      const folder = rng.pick(FOLDERS);
      return { targetObjects: [file, folder], vars: { file, folder } };
    }
    case 'share': {
      const file = fileName(rng);
      const recipient = rng.pick(EXTERNAL_RECIPIENTS);
      return { targetObjects: [file, recipient], vars: { file, recipient } };
    }
    case 'mail': {
      const recipient = rng.chance(0.8) ? rng.pick(USERS).email : rng.pick(EXTERNAL_RECIPIENTS);
      const subject = rng.pick(MAIL_SUBJECTS);
      return { targetObjects: [recipient, subject], vars: { recipient, subject } };
    }
    case 'mailbox': {
      const subject = rng.pick(MAIL_SUBJECTS);
      return { targetObjects: [user.email, subject], vars: { subject } };
    }
    case 'rule': {
      const rule = rng.pick(INBOX_RULES);
      return { targetObjects: [rule, user.email], vars: { rule } };
    }
    case 'repo': {
      const repo = rng.pick(REPOS);
      return { targetObjects: [repo], vars: { repo } };
    }
    case 'pull-request': {
      const repo = rng.pick(REPOS);
      const number = String(rng.int(100, 4999));
      return { targetObjects: [repo, `#${number}`], vars: { repo, number } };
    }
    case 'instance': {
      const instance = `i-0${rng.hex(16)}`;
      const region = rng.pick(AWS_REGIONS);
      const type = rng.pick(INSTANCE_TYPES);
      return { targetObjects: [instance, region, type], vars: { instance, region, type } };
    }
    case 'bucket': {
      const bucket = rng.pick(BUCKETS);
      return { targetObjects: [bucket], vars: { bucket } };
    }
    case 'user': {
      const subject = rng.pick(USERS).email;
      return { targetObjects: [subject], vars: { subject } };
    }
    case 'role': {
      const subject = rng.pick(USERS).email;
      const role = rng.pick(ROLES[appName] ?? ['administrator']);
      return { targetObjects: [subject, role], vars: { subject, role } };
    }
    case 'channel': {
      const channel = rng.pick(CHANNELS);
      return { targetObjects: [channel], vars: { channel } };
    }
    case 'record': {
      const record =
        appName === 'ServiceNow' ? `INC00${rng.int(10000, 99999)}` : `Opportunity 0065g0000${rng.hex(6)}`;
      return { targetObjects: [record], vars: { record } };
    }
    case 'report': {
      const report = appName === 'ServiceNow' ? `ServiceNow Report ${rng.int(1, 90)}` : 'Pipeline by region';
      return { targetObjects: [report], vars: { report } };
    }
    case 'credential': {
      const key = `AKIA${rng.hex(16).toUpperCase()}`;
      return { targetObjects: [key, user.email], vars: { key } };
    }
    case 'meeting': {
      const meeting = rng.pick(['Weekly sync', 'Quarterly review', 'Customer call', 'All hands']);
      return { targetObjects: [meeting], vars: { meeting } };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The apps and what their users do in them. Weights are relative across all apps, so e.g. file
// downloads stay a few percent of traffic: the threshold policies fire on bursts, not on noise.

interface ActionSpec {
  action: string;
  category: string;
  target: TargetKind;
  /** The description; {user}, {app} and the target's vars are filled in. */
  text: string;
  /** Only admins do this. */
  admin?: boolean;
}

const ACTIONS = {
  logOn: { action: 'Log on', category: CATEGORY.login, target: 'session', text: '{user} signed in to {app}' },
  logOut: {
    action: 'Log out',
    category: CATEGORY.logout,
    target: 'session',
    text: '{user} signed out of {app}',
  },
  failedLogOn: {
    action: 'Failed log on',
    category: CATEGORY.failedLogin,
    target: 'session',
    text: '{user} failed to sign in to {app}: {reason}',
  },
  changePassword: {
    action: 'Change password',
    category: 'EVENT_CATEGORY_CHANGE_PASSWORD',
    target: 'session',
    text: '{user} changed their password in {app}',
  },
  changeAdminRole: {
    action: 'Change admin role',
    category: CATEGORY.updatePrivilege,
    target: 'role',
    text: '{user} gave {subject} the role {role} in {app}',
    admin: true,
  },
  createUser: {
    action: 'Create user',
    category: 'EVENT_CATEGORY_CREATE_USER',
    target: 'user',
    text: '{user} created the user {subject} in {app}',
    admin: true,
  },
  deleteUser: {
    action: 'Delete user',
    category: 'EVENT_CATEGORY_DELETE_USER',
    target: 'user',
    text: '{user} deleted the user {subject} in {app}',
    admin: true,
  },
  viewFile: {
    action: 'View file',
    category: 'EVENT_CATEGORY_VIEW_FILE',
    target: 'file',
    text: '{user} viewed {file} in {folder} on {app}',
  },
  editFile: {
    action: 'Edit file',
    category: 'EVENT_CATEGORY_EDIT_FILE',
    target: 'file',
    text: '{user} edited {file} in {folder} on {app}',
  },
  downloadFile: {
    action: 'Download file',
    category: CATEGORY.downloadFile,
    target: 'file',
    text: '{user} downloaded {file} from {folder} on {app}',
  },
  uploadFile: {
    action: 'Upload file',
    category: 'EVENT_CATEGORY_UPLOAD_FILE',
    target: 'file',
    text: '{user} uploaded {file} to {folder} on {app}',
  },
  shareExternally: {
    action: 'Share file externally',
    category: CATEGORY.shareFile,
    target: 'share',
    text: '{user} shared {file} on {app} with the external user {recipient}',
  },
  deleteFile: {
    action: 'Delete file',
    category: 'EVENT_CATEGORY_DELETE_FILE',
    target: 'file',
    text: '{user} deleted {file} from {folder} on {app}',
  },
  sendMail: {
    action: 'Send mail',
    category: 'EVENT_CATEGORY_SEND_MAIL',
    target: 'mail',
    text: '{user} sent the message "{subject}" to {recipient}',
  },
  readMail: {
    action: 'Read mail',
    category: 'EVENT_CATEGORY_READ_MAIL',
    target: 'mailbox',
    text: '{user} read the message "{subject}"',
  },
  deleteMail: {
    action: 'Delete mail',
    category: 'EVENT_CATEGORY_DELETE_MAIL',
    target: 'mailbox',
    text: '{user} deleted the message "{subject}"',
  },
  createInboxRule: {
    action: 'Create inbox rule',
    category: 'EVENT_CATEGORY_CREATE_RULE',
    target: 'rule',
    text: '{user} created the inbox rule "{rule}" on their mailbox',
  },
  sendMessage: {
    action: 'Send message',
    category: 'EVENT_CATEGORY_SEND_MESSAGE',
    target: 'channel',
    text: '{user} posted a message in {channel} on {app}',
  },
  createChannel: {
    action: 'Create channel',
    category: 'EVENT_CATEGORY_CREATE_GROUP',
    target: 'channel',
    text: '{user} created {channel} on {app}',
  },
  joinMeeting: {
    action: 'Join meeting',
    category: 'EVENT_CATEGORY_JOIN_MEETING',
    target: 'meeting',
    text: '{user} joined the meeting "{meeting}" on {app}',
  },
  viewRecord: {
    action: 'View record',
    category: 'EVENT_CATEGORY_VIEW_OBJECT',
    target: 'record',
    text: '{user} viewed {record} in {app}',
  },
  editRecord: {
    action: 'Edit record',
    category: 'EVENT_CATEGORY_EDIT_OBJECT',
    target: 'record',
    text: '{user} edited {record} in {app}',
  },
  createRecord: {
    action: 'Create record',
    category: 'EVENT_CATEGORY_CREATE_OBJECT',
    target: 'record',
    text: '{user} created {record} in {app}',
  },
  deleteRecord: {
    action: 'Delete object',
    category: 'EVENT_CATEGORY_DELETE_OBJECT',
    target: 'record',
    text: '{user} deleted {record} in {app}',
  },
  viewReport: {
    action: 'View report',
    category: 'EVENT_CATEGORY_VIEW_REPORT',
    target: 'report',
    text: '{user} viewed the report {report} in {app}',
  },
  exportReport: {
    action: 'Export report',
    category: 'EVENT_CATEGORY_EXPORT_REPORT',
    target: 'report',
    text: '{user} exported the report {report} from {app}',
  },
  push: {
    action: 'Push commits',
    category: 'EVENT_CATEGORY_PUSH',
    target: 'repo',
    text: '{user} pushed commits to {repo}',
  },
  cloneRepository: {
    action: 'Clone repository',
    category: 'EVENT_CATEGORY_CLONE_REPOSITORY',
    target: 'repo',
    text: '{user} cloned {repo}',
  },
  createRepository: {
    action: 'Create repository',
    category: 'EVENT_CATEGORY_CREATE_REPOSITORY',
    target: 'repo',
    text: '{user} created the repository {repo}',
  },
  deleteRepository: {
    action: 'Delete repository',
    category: 'EVENT_CATEGORY_DELETE_REPOSITORY',
    target: 'repo',
    text: '{user} deleted the repository {repo}',
    admin: true,
  },
  createPullRequest: {
    action: 'Create pull request',
    category: 'EVENT_CATEGORY_CREATE_PULL_REQUEST',
    target: 'pull-request',
    text: '{user} opened pull request #{number} on {repo}',
  },
  runInstance: {
    action: 'Run instance',
    category: 'EVENT_CATEGORY_RUN_INSTANCE',
    target: 'instance',
    text: '{user} launched the {type} instance {instance} in {region}',
  },
  deleteInstance: {
    action: 'Delete instance',
    category: 'EVENT_CATEGORY_DELETE_INSTANCE',
    target: 'instance',
    text: '{user} terminated the instance {instance} in {region}',
  },
  listBucket: {
    action: 'List bucket',
    category: 'EVENT_CATEGORY_VIEW_OBJECT',
    target: 'bucket',
    text: '{user} listed the objects of the S3 bucket {bucket}',
  },
  createAccessKey: {
    action: 'Create access key',
    category: 'EVENT_CATEGORY_CREATE_CREDENTIALS',
    target: 'credential',
    text: '{user} created the access key {key} in {app}',
  },
} as const satisfies Record<string, ActionSpec>;

type ActionName = keyof typeof ACTIONS;

interface AppSpec {
  appName: string;
  appIds: readonly string[];
  /** How often each kind of client is used. */
  clients: Partial<Record<ClientKind, number>>;
  /** The app's own clients, where they differ from the generic ones (its mobile app, sync client). */
  agents?: Partial<Record<ClientKind, readonly string[]>>;
  /** How often users do each action, relative to all actions of all apps. */
  actions: Partial<Record<ActionName, number>>;
}

const APPS: readonly AppSpec[] = [
  {
    appName: 'Microsoft 365',
    appIds: ['APPID_O365'],
    clients: { browser: 60, office: 25, mobile: 15 },
    actions: {
      logOn: 700,
      logOut: 250,
      failedLogOn: 12,
      changePassword: 10,
      changeAdminRole: 8,
      createUser: 5,
      deleteUser: 3,
    },
  },
  {
    appName: 'SharePoint Online',
    appIds: ['APPID_SHAREPOINT'],
    clients: { browser: 60, office: 25, mobile: 15 },
    actions: {
      viewFile: 500,
      editFile: 300,
      downloadFile: 90,
      uploadFile: 150,
      shareExternally: 25,
      deleteFile: 40,
    },
  },
  {
    appName: 'OneDrive for Business',
    appIds: ['APPID_ONEDRIVE'],
    clients: { browser: 40, sync: 40, mobile: 20 },
    actions: {
      viewFile: 300,
      editFile: 150,
      downloadFile: 70,
      uploadFile: 120,
      shareExternally: 20,
      deleteFile: 30,
    },
  },
  {
    appName: 'Exchange Online',
    appIds: ['APPID_OUTLOOK'],
    clients: { office: 50, browser: 25, mobile: 25 },
    agents: {
      office: [
        'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
        'Microsoft Office/16.0 (Macintosh; Mac OS X 14.4; Microsoft Outlook 16.84)',
      ],
      mobile: ['Outlook-iOS/709.2226530.prod.iphone (4.2415.0)', 'Outlook-Android/2.0'],
    },
    actions: { sendMail: 800, readMail: 600, deleteMail: 60, createInboxRule: 10 },
  },
  {
    appName: 'Microsoft Teams',
    appIds: ['APPID_TEAMS'],
    clients: { browser: 75, mobile: 25 },
    agents: {
      mobile: [
        'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 Teams/1416/1.0.0.2024092402',
        'Microsoft Teams/6.5.0 (iPhone; iOS 17.4.1)',
      ],
    },
    actions: { sendMessage: 500, joinMeeting: 100, createChannel: 5 },
  },
  {
    appName: 'Box',
    appIds: ['APPID_BOX'],
    clients: { browser: 60, sync: 25, mobile: 15 },
    agents: {
      sync: ['Box Drive/2.38.172 (Macintosh; macOS 14.4)', 'Box Drive/2.38.172 (Windows; 10.0.22631)'],
    },
    actions: {
      logOn: 80,
      viewFile: 120,
      downloadFile: 40,
      uploadFile: 60,
      shareExternally: 10,
      deleteFile: 15,
    },
  },
  {
    appName: 'Dropbox',
    appIds: ['APPID_DROPBOX'],
    clients: { browser: 50, sync: 35, mobile: 15 },
    agents: {
      sync: [
        'DropboxDesktopClient/197.4.7629 (Windows; 10; x64)',
        'DropboxDesktopClient/197.4.7629 (Macintosh; 14.4; arm64)',
      ],
    },
    actions: {
      logOn: 50,
      viewFile: 80,
      downloadFile: 30,
      uploadFile: 50,
      shareExternally: 10,
      deleteFile: 10,
    },
  },
  {
    appName: 'Salesforce',
    appIds: ['APPID_SALESFORCE'],
    clients: { browser: 75, mobile: 15, api: 10 },
    agents: { api: ['Salesforce Data Loader 60.0', 'simple-salesforce/1.12.5 python-requests/2.31.0'] },
    actions: {
      logOn: 150,
      failedLogOn: 5,
      viewRecord: 300,
      editRecord: 150,
      viewReport: 80,
      exportReport: 10,
      changeAdminRole: 3,
    },
  },
  {
    appName: 'ServiceNow',
    appIds: ['APPID_SERVICENOW'],
    clients: { browser: 85, api: 15 },
    actions: {
      logOn: 100,
      logOut: 60,
      viewReport: 80,
      createRecord: 60,
      deleteRecord: 10,
      createUser: 3,
      changeAdminRole: 2,
    },
  },
  {
    appName: 'Google Workspace',
    appIds: ['APPID_33626'],
    clients: { browser: 75, mobile: 25 },
    actions: {
      logOn: 150,
      failedLogOn: 5,
      viewFile: 150,
      editFile: 80,
      downloadFile: 30,
      shareExternally: 10,
      sendMail: 150,
    },
  },
  {
    appName: 'GitHub',
    appIds: ['APPID_GITHUB'],
    clients: { git: 60, browser: 40 },
    actions: {
      logOn: 60,
      push: 200,
      cloneRepository: 80,
      createPullRequest: 60,
      createRepository: 8,
      deleteRepository: 2,
      changeAdminRole: 2,
    },
  },
  {
    appName: 'Slack',
    appIds: ['APPID_SLACK'],
    clients: { browser: 75, mobile: 25 },
    agents: {
      mobile: ['Slack/24.04.10 (iPhone; iOS 17.4.1; Scale/3.00)', 'Slack/24.04.10.0 (Android 14; Pixel 8)'],
    },
    actions: { logOn: 60, sendMessage: 400, uploadFile: 40, downloadFile: 20, createChannel: 5 },
  },
  {
    appName: 'Amazon Web Services',
    appIds: ['APPID_AMAZON_WEB_SERVICES'],
    clients: { 'aws-cli': 60, browser: 40 },
    actions: {
      logOn: 80,
      failedLogOn: 4,
      listBucket: 150,
      runInstance: 20,
      deleteInstance: 15,
      downloadFile: 30,
      uploadFile: 30,
      createAccessKey: 3,
      changeAdminRole: 2,
    },
  },
];

function weights<K extends string>(record: Partial<Record<K, number>>): (readonly [K, number])[] {
  return Object.entries(record) as [K, number][];
}
const CLIENT_WEIGHTS = new Map(APPS.map((app) => [app, weights(app.clients)]));
const ENTRIES: readonly (readonly [{ app: AppSpec; spec: ActionSpec }, number])[] = APPS.flatMap((app) =>
  weights(app.actions).map(([name, weight]) => [{ app, spec: ACTIONS[name] }, weight] as const),
);
const appNamed = (name: string): AppSpec => APPS.find((app) => app.appName === name) as AppSpec;
const MASS_DOWNLOAD_APPS = [
  'SharePoint Online',
  'OneDrive for Business',
  'Box',
  'Dropbox',
  'Google Workspace',
].map(appNamed);
const FAILED_LOGON_APPS = ['Microsoft 365', 'Salesforce', 'Google Workspace', 'Amazon Web Services'].map(
  appNamed,
);

// ---------------------------------------------------------------------------------------------
// Hostile values: each one exercises a rule of the CEF encoder (DESIGN §4) or of the store.

const LONG_DESCRIPTION = 'Übergrößenträger · Zusammenfassung der Prüfung € ✓ '.repeat(120).slice(0, 5000);
const LONG_FILE_NAME = `${'Jahresüberprüfung_Finanzbericht_€_'.repeat(60).slice(0, 1995)}.xlsx`;

const HOSTILE_SAMPLES: Record<Exclude<HostileKind, 'long-description' | 'long-file-name'>, string> = {
  equals: 'suser=root act=allowed',
  pipe: 'Q3|Q4 plan|final',
  backslash: 'CONTOSO\\svc_backup ran C:\\Temp\\a.ps1',
  'trailing-backslash': 'C:\\',
  cr: 'first line\rsecond line',
  lf: 'first line\nsecond line',
  crlf: 'first line\r\nsecond line',
  tab: 'column one\tcolumn two',
  nul: 'before\u0000after',
  'c0-control': '\u001b[31mred\u001b[0m bell\u0007 back\u0008space',
  del: 'rub\u007fout',
  cjk: '第三季度財務報告',
  arabic: 'تقرير المبيعات الشهري',
  'hebrew-rtl': 'דוח רבעוני \u202eexe.fdp',
  cyrillic: 'Отчёт о продажах',
  devanagari: 'वार्षिक रिपोर्ट',
  emoji: '📊 Quarterly 🚀 𝐑𝐞𝐩𝐨𝐫𝐭',
  combining: 'Re\u0301sume\u0301 Z\u0351\u0300a\u0352\u0303l\u0357g\u0350o',
};

type HostileField = 'description' | 'user' | 'targetObjects' | 'userAgent' | 'action';
const HOSTILE_FIELDS: readonly HostileField[] = [
  'description',
  'user',
  'targetObjects',
  'userAgent',
  'action',
];

/** Puts the `index`-th hostile value into the activity: kinds cycle, and each cycle moves to the next field. */
function makeHostile(activity: ActivityInput, index: number): void {
  const kind = HOSTILE_KINDS[index % HOSTILE_KINDS.length] as HostileKind;
  if (kind === 'long-description') {
    activity.description = LONG_DESCRIPTION;
    return;
  }
  if (kind === 'long-file-name') {
    activity.targetObjects = [LONG_FILE_NAME, ...(activity.targetObjects ?? []).slice(1)];
    return;
  }
  const sample = HOSTILE_SAMPLES[kind];
  const field = HOSTILE_FIELDS[Math.floor(index / HOSTILE_KINDS.length) % HOSTILE_FIELDS.length];
  switch (field) {
    case 'description':
      activity.description = `${activity.description ?? ''} ${sample}`;
      break;
    case 'user':
      activity.user = `${activity.user ?? ''}${sample}`;
      break;
    case 'targetObjects':
      activity.targetObjects = [...(activity.targetObjects ?? []), sample];
      break;
    case 'userAgent':
      activity.userAgent = `${activity.userAgent ?? 'curl/8.5.0'} ${sample}`;
      break;
    case 'action':
      activity.action = `${activity.action} ${sample}`;
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Defender for Identity alerts: what it raises on the identities behind the cloud activity.

interface IdentityAlertSpec {
  type: string;
  policyName: string;
  severity: AlertSeverity;
  text: string;
  /** Activity categories this alert follows from; none → it can follow any activity. */
  categories?: readonly string[];
}

const IDENTITY_ALERTS: readonly IdentityAlertSpec[] = [
  {
    type: 'ALERT_IDENTITY_BRUTE_FORCE',
    policyName: 'Suspected brute-force attack (Kerberos, NTLM)',
    severity: 'medium',
    text: '{attempts} failed sign-in attempts for {user} from {source} against {dc}',
    categories: [CATEGORY.failedLogin],
  },
  {
    type: 'ALERT_IDENTITY_SUSPICIOUS_LOGIN',
    policyName: 'Suspicious sign-in from an unfamiliar location',
    severity: 'medium',
    text: '{user} signed in from {source}, a location not seen for this account before',
    categories: [CATEGORY.login],
  },
  {
    type: 'ALERT_IDENTITY_IMPOSSIBLE_TRAVEL',
    policyName: 'Impossible travel activity',
    severity: 'medium',
    text: '{user} was active from {source} minutes after an activity from another continent',
    categories: [CATEGORY.login],
  },
  {
    type: 'ALERT_IDENTITY_SENSITIVE_GROUP_ADDITION',
    policyName: 'Suspicious additions to sensitive groups',
    severity: 'high',
    text: '{user} added a member to the sensitive group Domain Admins on {dc}',
    categories: [CATEGORY.updatePrivilege, 'EVENT_CATEGORY_CREATE_USER'],
  },
  {
    type: 'ALERT_IDENTITY_PASS_THE_TICKET',
    policyName: 'Suspected identity theft (pass-the-ticket)',
    severity: 'high',
    text: "{user}'s Kerberos tickets were used from {host} as well as from their own device",
  },
  {
    type: 'ALERT_IDENTITY_LDAP_RECONNAISSANCE',
    policyName: 'Security principal reconnaissance (LDAP)',
    severity: 'low',
    text: '{user} on {host} sent suspicious LDAP queries to {dc}, enumerating privileged accounts',
  },
  {
    type: 'ALERT_IDENTITY_HONEYTOKEN_ACTIVITY',
    policyName: 'Honeytoken activity',
    severity: 'medium',
    text: 'The honeytoken account svc_sql_legacy authenticated from {host} using the session of {user}',
  },
  {
    type: 'ALERT_IDENTITY_ACCOUNT_ENUMERATION',
    policyName: 'Account enumeration reconnaissance',
    severity: 'informational',
    text: 'Suspicious account enumeration from {host} ({user}) against {dc}',
  },
];
const IDENTITY_ALERT_GENERIC = IDENTITY_ALERTS.filter((spec) => spec.categories === undefined);
const DOMAIN_CONTROLLERS = ['DC01.corp.contoso.com', 'DC02.corp.contoso.com', 'DC01.ad.fabrikam.com'];
const RISK_SCORES: Record<AlertSeverity, readonly [number, number]> = {
  informational: [1, 2],
  low: [2, 4],
  medium: [4, 7],
  high: [7, 10],
};

function fill(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? '');
}

// ---------------------------------------------------------------------------------------------

/** Bursts that the threshold policies catch: interleaved with normal traffic, spaced in event time. */
interface Burst {
  queue: ActivityInput[];
  /** Raised by Defender for Identity once the last record of the burst has gone out. */
  alert: AlertInput | null;
}

const BURST_GAP = [600, 1400] as const;
const MASS_DOWNLOAD_FILES = 25;

function checkShare(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be from 0 to 1, got ${value}`);
  return value;
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  }
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const clock = options.now ?? Date.now;
  const hostileShare = checkShare(options.hostileShare ?? 0.03, 'hostileShare');
  const identityAlertShare = checkShare(options.identityAlertShare ?? 0.01, 'identityAlertShare');
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a number, got ${seed}`);
  const rng = createRandom(seed);
  // Ids carry a per-simulator tag drawn from the seed, a counter and a random part.
  const tag = rng.hex(8);
  let activityCounter = 0;
  let alertCounter = 0;
  let hostileCounter = 0;

  const ipv4In = (country: string): string => {
    // Every country the simulator uses has a network; the fallback only keeps the type honest.
    const prefix = NETWORKS[country]?.v4 ?? '40.112';
    return `${prefix}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  };
  const ipv6In = (country: string): string | null => {
    const prefix = NETWORKS[country]?.v6;
    if (prefix == null) return null;
    const group = (): string => rng.int(0, 0xffff).toString(16);
    return rng.chance(0.3)
      ? `${prefix}::${group()}`
      : `${prefix}:${group()}:${group()}:${group()}:${group()}`;
  };

  const profiles: readonly UserProfile[] = USERS.map((user) => ({
    ...user,
    ipv4: [ipv4In(user.country), ipv4In(user.country), ipv4In(user.country)],
    ipv6: ipv6In(user.country),
  }));
  const admins = profiles.filter((user) => user.isAdmin);
  const regular = profiles.filter((user) => !user.isAdmin);

  const now = (): number => Math.max(0, Math.floor(clock()));
  const nextActivityId = (at: number): string =>
    `${at}_${tag}-${(activityCounter++).toString(16).padStart(8, '0')}-${rng.hex(12)}`;
  // Like MDCA's 24-hex-digit alert ids: time in seconds, the tag, a counter, a random part.
  const nextAlertId = (at: number): string =>
    `${Math.floor(at / 1000)
      .toString(16)
      .padStart(8, '0')}${tag}${(alertCounter++).toString(16).padStart(6, '0')}${rng.hex(2)}`;
  const eventTime = (at: number): number =>
    rng.chance(LATE_SHARE)
      ? Math.max(0, at - rng.int(2 * 60_000, 6 * 3_600_000))
      : Math.max(0, at - rng.int(0, 60_000));

  const locate = (user: UserProfile): { ip: string | null; country: string | null } => {
    if (rng.chance(NO_IP_SHARE)) return { ip: null, country: null };
    const away = rng.chance(AWAY_SHARE);
    const country = away ? rng.weighted(AWAY_COUNTRIES) : user.country;
    const v6 = rng.chance(IPV6_SHARE) ? (away ? ipv6In(country) : (user.ipv6 ?? ipv6In(country))) : null;
    return { ip: v6 ?? (away ? ipv4In(country) : rng.pick(user.ipv4)), country };
  };
  const client = (app: AppSpec): { userAgent: string | null; deviceType: string } => {
    const kind = rng.weighted(CLIENT_WEIGHTS.get(app) ?? []);
    const agents = app.agents?.[kind] ?? USER_AGENTS[kind].agents;
    const userAgent = rng.chance(NO_USER_AGENT_SHARE) ? null : rng.pick(agents);
    const usual = USER_AGENTS[kind].deviceType;
    // git and the AWS CLI run from laptops as well as from build servers.
    const deviceType =
      kind === 'git' && rng.chance(0.3)
        ? 'server'
        : kind === 'aws-cli' && rng.chance(0.4)
          ? 'desktop'
          : usual;
    return { userAgent, deviceType };
  };

  const makeActivity = (
    app: AppSpec,
    spec: ActionSpec,
    user: UserProfile,
    at: number,
    timestamp: number,
    where: { ip: string | null; country: string | null },
    device: { userAgent: string | null; deviceType: string },
    target: Target,
  ): ActivityInput => ({
    id: nextActivityId(at),
    timestamp,
    category: spec.category,
    action: spec.action,
    description: fill(spec.text, { ...target.vars, user: user.email, app: app.appName }),
    user: user.email,
    appName: app.appName,
    appIds: [...app.appIds],
    ip: where.ip,
    userAgent: device.userAgent,
    targetObjects: target.targetObjects,
    policyIds: [],
    country: where.country,
    deviceType: device.deviceType,
    isAdmin: user.isAdmin,
  });

  // --- Identity alerts -------------------------------------------------------------------------

  const pendingAlerts: AlertInput[] = [];
  const makeIdentityAlert = (
    spec: IdentityAlertSpec,
    user: string | null,
    ip: string | null,
    timestamp: number,
    related: string[],
    vars: Record<string, string> = {},
  ): AlertInput => {
    const [low, high] = RISK_SCORES[spec.severity];
    const alert: AlertInput = {
      id: nextAlertId(now()),
      timestamp,
      type: spec.type,
      policyName: spec.policyName,
      policyIds: [],
      severity: spec.severity,
      description: fill(spec.text, {
        attempts: String(rng.int(6, 40)),
        source: ip ?? 'an unknown address',
        dc: rng.pick(DOMAIN_CONTROLLERS),
        host: `WS-${rng.int(1000, 9999)}.corp.contoso.com`,
        ...vars,
        user: user ?? 'an unknown account',
      }),
      user,
      appName: 'Active Directory',
      appIds: ['APPID_ACTIVE_DIRECTORY'],
      riskScore: rng.int(low, high),
      relatedActivityIds: related,
      ip,
      source: 'identity',
    };
    if (rng.chance(hostileShare)) {
      const kind = HOSTILE_KINDS[hostileCounter++ % HOSTILE_KINDS.length] as HostileKind;
      const long = kind === 'long-description' || kind === 'long-file-name';
      const sample = long ? LONG_DESCRIPTION : HOSTILE_SAMPLES[kind];
      // A long value fits the description, not the user (an indexed field: RECORD_LIMITS).
      if (long || rng.chance(0.5) || user === null)
        alert.description = `${alert.description ?? ''} ${sample}`;
      else alert.user = `${user}${sample}`;
    }
    return alert;
  };
  const alertFollowing = (activity: ActivityInput): AlertInput => {
    const fitting = IDENTITY_ALERTS.filter((spec) => spec.categories?.includes(activity.category));
    const spec = rng.pick(fitting.length > 0 ? fitting : IDENTITY_ALERT_GENERIC);
    const timestamp = Math.min(now(), activity.timestamp + rng.int(1_000, 120_000));
    return makeIdentityAlert(spec, activity.user ?? null, activity.ip ?? null, timestamp, [activity.id]);
  };

  // --- Bursts ---------------------------------------------------------------------------------

  let burst: Burst | null = null;
  let untilBurst = rng.int(BURST_GAP[0], BURST_GAP[1]);
  let nextBurstKind: 'mass-download' | 'failed-logons' = rng.chance(0.5) ? 'mass-download' : 'failed-logons';

  /** A user downloads 25 files within about a minute: "Mass download" (20 within 5 minutes) fires. */
  const massDownload = (at: number): Burst => {
    const user = rng.pick(regular);
    const app = rng.pick(MASS_DOWNLOAD_APPS);
    const where = { ip: rng.pick(user.ipv4), country: user.country };
    const device = { userAgent: rng.pick(USER_AGENTS.browser.agents), deviceType: 'desktop' };
    const folder = rng.pick(FOLDERS);
    const end = at - rng.int(0, 5_000);
    const queue = Array.from({ length: MASS_DOWNLOAD_FILES }, (_, i) => {
      const file = `${rng.pick(FILE_STEMS)} (${i + 1})${rng.pick(FILE_EXTENSIONS)}`;
      const target = { targetObjects: [file, folder], vars: { file, folder } };
      const timestamp = end - (MASS_DOWNLOAD_FILES - 1 - i) * 2_000;
      return makeActivity(app, ACTIONS.downloadFile, user, at, timestamp, where, device, target);
    });
    return { queue, alert: null };
  };

  /** Failed log ons from one foreign address, sometimes ending in success; Defender for Identity notices. */
  const failedLogons = (at: number): Burst => {
    const user = rng.pick(profiles);
    const app = rng.pick(FAILED_LOGON_APPS);
    const country = rng.weighted(AWAY_COUNTRIES.filter(([code]) => code !== user.country));
    const where = { ip: ipv4In(country), country };
    const device = { userAgent: rng.pick(USER_AGENTS.api.agents), deviceType: 'server' };
    const attempts = BUILTIN_THRESHOLDS.failedLogons.count + rng.int(1, 3);
    const succeeds = rng.chance(0.5);
    const end = at - rng.int(0, 5_000);
    const total = attempts + (succeeds ? 1 : 0);
    const queue = Array.from({ length: total }, (_, i) => {
      const spec = i < attempts ? ACTIONS.failedLogOn : ACTIONS.logOn;
      const target = { targetObjects: [user.email], vars: { reason: 'invalid password' } };
      const timestamp = end - (total - 1 - i) * 6_000;
      return makeActivity(app, spec, user, at, timestamp, where, device, target);
    });
    const failures = queue.slice(0, attempts);
    const alert = makeIdentityAlert(
      IDENTITY_ALERTS[0] as IdentityAlertSpec,
      user.email,
      where.ip,
      Math.min(at, end + rng.int(1_000, 30_000)),
      failures.map((activity) => activity.id),
      { attempts: String(attempts) },
    );
    return { queue, alert };
  };

  const normalActivity = (): ActivityInput => {
    const at = now();
    const { app, spec } = rng.weighted(ENTRIES);
    const user = spec.admin === true ? rng.pick(admins) : rng.pick(profiles);
    const where = locate(user);
    const device = client(app);
    const target = makeTarget(spec.target, rng, user, app.appName);
    const activity = makeActivity(app, spec, user, at, eventTime(at), where, device, target);
    if (rng.chance(hostileShare)) makeHostile(activity, hostileCounter++);
    if (rng.chance(identityAlertShare)) pendingAlerts.push(alertFollowing(activity));
    return activity;
  };

  const nextActivity = (): ActivityInput => {
    if (burst !== null && rng.chance(0.5)) {
      const activity = burst.queue.shift() as ActivityInput;
      if (burst.queue.length === 0) {
        if (burst.alert !== null) pendingAlerts.push(burst.alert);
        burst = null;
      }
      return activity;
    }
    if (burst === null && --untilBurst <= 0) {
      burst = nextBurstKind === 'mass-download' ? massDownload(now()) : failedLogons(now());
      nextBurstKind = nextBurstKind === 'mass-download' ? 'failed-logons' : 'mass-download';
      untilBurst = rng.int(BURST_GAP[0], BURST_GAP[1]);
    }
    return normalActivity();
  };

  const standaloneAlert = (): AlertInput => {
    const user = rng.pick(profiles);
    const where = locate(user);
    const at = now();
    return makeIdentityAlert(rng.pick(IDENTITY_ALERT_GENERIC), user.email, where.ip, eventTime(at), []);
  };

  return {
    activities(count) {
      checkCount(count);
      return Array.from({ length: count }, nextActivity);
    },
    identityAlerts(count) {
      checkCount(count);
      const alerts = pendingAlerts.splice(0, count);
      while (alerts.length < count) alerts.push(standaloneAlert());
      return alerts;
    },
    pendingIdentityAlerts: () => pendingAlerts.length,
    users: Object.freeze(profiles.map((user) => user.email)),
  };
}
