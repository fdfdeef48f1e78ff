// The mdca mapping against Microsoft's published SIEM agent lines (reference/golden, siem.md
// samples): for each line, the MDCA API record it came from, RECONSTRUCTED in the documented shape,
// must map and encode to exactly that line. Plus the documented samples (a REAL activity, the
// VERBATIM alert of api-alerts-list.md) with the lines derived field by field.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createActivityEncoder, createAlertEncoder, type CefActivity, type CefAlert } from '@cloudsiem/cef';
import { describe, expect, it } from 'vitest';
import { appIdLabel, mapActivity, mapAlert, type MappingOptions } from './mapping.ts';
import type { MappedRecord } from '../types.ts';

const root = resolve(import.meta.dirname, '../../../../..');
const fixtures = resolve(root, 'test/upstream/fixtures/mdca');

interface GoldenVector {
  kind: 'activity' | 'alert';
  record: Record<string, unknown>;
  options: Parameters<typeof createActivityEncoder>[0];
  expected: string;
}
const vectors = readFileSync(resolve(root, 'packages/cef/fixtures/mcas-compat.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as GoldenVector);

function record(mapped: MappedRecord): Record<string, unknown> {
  if ('rejected' in mapped) throw new Error(`rejected ${mapped.upstreamId}: ${mapped.rejected}`);
  return mapped.record;
}

// ---- RECONSTRUCTED MDCA records ------------------------------------------------------------------
// Shape: activity-record-real.json (the only real activity record) and alerts-list-response.json.
// Values: the golden line's. `created` is the millisecond prefix of the id (MDCA's ids of that
// era are `<saved ms>_<uuid>`); the tenant number is invented. None of this is Microsoft's data.

const SERVICENOW = 14509; // microsoft/MCAS mcas_app enum
const admin = 'admin@contoso.com';

/** A user object as MDCA lists the actor in mainInfo.eventObjects (activity-record-real.json). */
const userObject = (objType: number) => ({
  objType,
  role: 4,
  tags: [],
  name: admin,
  instanceId: 0,
  resolved: true,
  saasId: SERVICENOW,
  id: admin,
});

function reconstructedActivity(parts: {
  id: string;
  timestamp: number;
  eventTypeName: string;
  activityType: string;
  targetObject: string;
  description: string;
  objects: { objType: number; name: string; id?: string }[];
  ip: string | null;
}) {
  const created = Number(parts.id.split('_')[0]);
  return {
    _id: parts.id,
    tenantId: 12345678,
    appId: SERVICENOW,
    saasId: SERVICENOW,
    timestamp: parts.timestamp,
    timestampRaw: parts.timestamp,
    created,
    createdRaw: created,
    eventTypeName: parts.eventTypeName,
    device: parts.ip === null ? {} : { clientIP: parts.ip },
    user: { userName: admin, userTags: [] },
    mainInfo: {
      eventObjects: [
        ...parts.objects.map((o) => ({ role: 3, tags: [], ...o })),
        userObject(21),
        userObject(23),
        userObject(2),
      ],
      rawOperationName: parts.activityType,
      prettyOperationName: parts.activityType,
      type: 'basic',
    },
    uid: parts.id,
    appName: 'ServiceNow',
    entityData: { '0': { displayName: admin, id: { id: admin, saas: SERVICENOW, inst: 0 }, resolved: true } },
    description_metadata: {
      event_category: parts.activityType,
      target_object: parts.targetObject,
      colon: parts.targetObject === '' ? '' : ':',
      dash: '',
    },
    description: parts.description,
  };
}

const reconstructedActivities = [
  reconstructedActivity({
    id: '1511373015679_167ae3eb-ed33-454a-b548-c2ed6cea6ef0',
    timestamp: 1511373004000,
    eventTypeName: 'EVENT_CATEGORY_LOGOUT',
    activityType: 'Log out',
    targetObject: '',
    description: 'Log out',
    objects: [],
    ip: '13.82.149.151',
  }),
  reconstructedActivity({
    id: '1511898027370_e272cd5f-31a3-48e3-8a6a-0490c042950a',
    timestamp: 1511898015000,
    eventTypeName: 'EVENT_CATEGORY_VIEW_REPORT',
    activityType: 'View report',
    targetObject: 'ServiceNow Report 23',
    description: 'View report: ServiceNow Report 23',
    objects: [
      { objType: 1, name: '23', id: '23' },
      { objType: 7, name: 'sys_report' },
    ],
    ip: null,
  }),
  reconstructedActivity({
    id: '1511897141625_7558b33f-218c-40ff-be5d-47d2bdd6b798',
    timestamp: 1511897134000,
    eventTypeName: 'EVENT_CATEGORY_DELETE_OBJECT',
    activityType: 'Delete object',
    targetObject: 'ServiceNow Object f5122008db360300906ff34ebf96198a',
    description: 'Delete object: ServiceNow Object f5122008db360300906ff34ebf96198a',
    objects: [
      { objType: 1, name: '', id: 'f5122008db360300906ff34ebf96198a' },
      { objType: 7, name: '' },
    ],
    ip: null,
  }),
  reconstructedActivity({
    id: '1511815215873_824f8f8d-2ecd-439b-98b1-99a1adf7ba1c',
    timestamp: 1511815214000,
    eventTypeName: 'EVENT_CATEGORY_CREATE_USER',
    activityType: 'Create user',
    targetObject: 'user 747518c0db360300906ff34ebf96197c',
    description: 'Create user: user 747518c0db360300906ff34ebf96197c',
    objects: [
      { objType: 1, name: '' },
      { objType: 1, name: '747518c0db360300906ff34ebf96197c' },
      { objType: 7, name: 'sys_user' },
    ],
    ip: null,
  }),
  reconstructedActivity({
    id: '1511815287798_bcf60601-ecef-4207-beda-3d2b8d87d383',
    timestamp: 1511815280000,
    eventTypeName: 'EVENT_CATEGORY_DELETE_USER',
    activityType: 'Delete user',
    targetObject: 'user 233490c0db360300906ff34ebf9619ef',
    description: 'Delete user: user 233490c0db360300906ff34ebf9619ef',
    objects: [
      { objType: 1, name: '' },
      { objType: 1, name: '233490c0db360300906ff34ebf9619ef' },
      { objType: 7, name: '' },
    ],
    ip: null,
  }),
  reconstructedActivity({
    id: '1511897117617_5be018ee-f676-4473-a9b5-5982527409be',
    timestamp: 1511897095000,
    eventTypeName: 'EVENT_CATEGORY_DELETE_OBJECT',
    activityType: 'Delete object',
    targetObject: 'ServiceNow Object b1709c40db360300906ff34ebf961923',
    description: 'Delete object: ServiceNow Object b1709c40db360300906ff34ebf961923',
    objects: [
      { objType: 1, name: '', id: 'b1709c40db360300906ff34ebf961923' },
      { objType: 7, name: '' },
    ],
    ip: null,
  }),
];

/** An alert in the shape of alerts-list-response.json (entities with type, id, label). */
function reconstructedAlert(parts: {
  id: string;
  timestamp: number;
  policyName: string;
  policyId: string | null;
  user: string;
  app: { id: number; label: string };
  relatedActivityId: string;
}) {
  return {
    _id: parts.id,
    contextId: '00000000-0000-0000-0000-000000000000',
    description: `Activity policy ''${parts.policyName}'' was triggered by ''${parts.user}''`,
    entities: [
      {
        entityRole: 'Source',
        id: parts.user,
        inst: 0,
        saas: parts.app.id,
        label: parts.user,
        type: 'user',
      },
      { id: parts.app.id, label: parts.app.label, type: 'service' },
      {
        // The published lines of four of the six alerts have no policy id (cs4=): no id here.
        ...(parts.policyId === null ? {} : { id: parts.policyId }),
        label: parts.policyName,
        policyType: 'AUDIT',
        type: 'policyRule',
      },
      { id: parts.relatedActivityId, type: 'activity' },
    ],
    isSystemAlert: false,
    resolutionStatusValue: 0,
    severityValue: 0,
    statusValue: 0,
    timestamp: parts.timestamp,
    title: parts.policyName,
  };
}

/** Microsoft 365 admin center's numeric app id is published nowhere: a placeholder, named here. */
const O365_PORTAL_PLACEHOLDER = 999_999;

const reconstructedAlerts: { raw: ReturnType<typeof reconstructedAlert>; options?: MappingOptions }[] = [
  {
    raw: reconstructedAlert({
      id: '596a7e360c204203a335a3fb',
      timestamp: 1500151350531,
      policyName: 'myPolicy',
      policyId: '59f0ab82f797fa0681e9b1c7',
      user: 'admin@box-contoso.com',
      app: { id: 10489, label: 'Box' },
      relatedActivityId: '1500151288183_acc891bf-33e1-424b-a021-0d4370789660',
    }),
  },
  {
    raw: reconstructedAlert({
      id: '596b339b0c204203a33a51ae',
      timestamp: 1500197786550,
      policyName: 'test-activity-policy',
      policyId: null,
      user: 'user@contoso.com',
      app: { id: 11114, label: 'Salesforce' },
      relatedActivityId: '1500197720691_b7f6317c-b8de-476a-bc8f-dfa570e00349',
    }),
  },
  {
    raw: reconstructedAlert({
      id: '596b2fd70c204203a33a3eeb',
      timestamp: 1500196623361,
      policyName: 'test-activity-policy3',
      policyId: null,
      user: admin,
      app: { id: 11161, label: 'Microsoft 365' },
      relatedActivityId: '1500196549157_a0e01f8a-e29a-43ae-8599-783c1c11597d',
    }),
  },
  {
    raw: reconstructedAlert({
      id: '596b2fd70c204203a33a3eec',
      timestamp: 1500196635426,
      policyName: 'test-activity-policy',
      policyId: '59f0ab35f797fa9811e9b1c7',
      user: admin,
      app: { id: O365_PORTAL_PLACEHOLDER, label: 'Microsoft 365 admin center' },
      relatedActivityId: '1500196557398_3e102b20-d9fa-4f66-b550-8c7a403bb4d8',
    }),
    options: { appNames: new Map([[O365_PORTAL_PLACEHOLDER, 'O365_PORTAL']]) },
  },
  {
    raw: reconstructedAlert({
      id: '596b30200c204203a33a4765',
      timestamp: 1500196666290,
      policyName: 'test-activity-policy4',
      policyId: null,
      user: admin,
      app: { id: 20893, label: 'Microsoft Exchange Online' },
      relatedActivityId: '1500196587034_a8673602-7e95-46d6-a1fe-c156c4709c5d',
    }),
  },
  {
    raw: reconstructedAlert({
      id: '596b34b10c204203a33a5240',
      timestamp: 1500198064369,
      policyName: 'test-activity-policy2',
      policyId: null,
      user: 'user2@test15-adallom.com',
      // Not in MDCA_APP_NAMES: Microsoft's line writes the number too.
      app: { id: 33626, label: 'Google' },
      relatedActivityId: '1500197996117_fd71f265-1e46-4f04-b372-2e32ec874cd3',
    }),
  },
];

describe('mdca mapping: Microsoft agent lines (golden vectors) from RECONSTRUCTED MDCA records', () => {
  const activityVectors = vectors.filter((v) => v.kind === 'activity');
  const alertVectors = vectors.filter((v) => v.kind === 'alert');

  it('covers every golden vector', () => {
    expect(activityVectors).toHaveLength(reconstructedActivities.length);
    expect(alertVectors).toHaveLength(reconstructedAlerts.length);
  });

  it.each(activityVectors.map((v, i) => [i + 1, v] as const))('activity vector %i', (i, vector) => {
    const raw = reconstructedActivities[i - 1];
    const mapped = record(mapActivity(raw));
    expect(mapped.id).toBe(vector.record.id);
    const line = createActivityEncoder(vector.options)(mapped as unknown as CefActivity);
    expect(line).toBe(vector.expected);
  });

  it.each(alertVectors.map((v, i) => [i + 1, v] as const))('alert vector %i', (i, vector) => {
    const entry = reconstructedAlerts[i - 1];
    const mapped = record(mapAlert(entry?.raw, entry?.options));
    expect(mapped.id).toBe(vector.record.id);
    expect(mapped.source).toBe('cloud-apps');
    const line = createAlertEncoder(vector.options)(mapped as unknown as CefAlert);
    expect(line).toBe(vector.expected);
  });
});

const options = {
  deviceVersion: '0.111.85',
  format: 'generic',
  timeFormat: 'rfc5424',
  includePri: false,
  systemName: null,
  portalUrl: 'https://contoso.portal.cloudappsecurity.com',
} as const;

describe('mdca mapping: the documented samples, lines derived field by field', () => {
  it('maps the REAL activity record (activity-record-real.json)', () => {
    const raw: unknown = JSON.parse(readFileSync(resolve(fixtures, 'activity-record-real.json'), 'utf8'));
    const mapped = record(mapActivity(raw));
    expect(mapped).toMatchObject({
      id: '97134000_15600_97ee2049-893e-4c9d-a312-08d82b46faf7',
      timestamp: 1595096313000, // `timestamp` (when it happened), not `created` (+4 min 34 s)
      category: 'EVENT_CATEGORY_UNSPECIFIED', // eventTypeName
      action: 'FilePreviewed', // description_metadata.operation_name (no event_category)
      country: 'IL', // location.countryCode
      deviceType: 'OTHER', // userAgent.deviceType
    });
    const line = createActivityEncoder(options)(mapped as unknown as CefActivity);
    expect(line).toBe(
      [
        '2020-07-18T18:18:33.000Z', // timestamp 1595096313000
        ' CEF:0|MCAS|SIEM_Agent|0.111.85|EVENT_CATEGORY_UNSPECIFIED|FilePreviewed|0|',
        'externalId=97134000_15600_97ee2049-893e-4c9d-a312-08d82b46faf7', // _id
        ' rt=1595096313000 start=1595096313000 end=1595096313000',
        ' msg=FilePreviewed', // description
        ' suser=avishai@demistodev.onmicrosoft.com', // user.userName
        ' destinationServiceName=Microsoft OneDrive for Business', // appName
        ' dvc=8.8.8.8', // device.clientIP (IPv4)
        ' requestClientApplication=OneDriveMpc-Transform_Thumbnail/1.0', // device.userAgent
        ' cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/audits?activity.id\\=eq(97134000_15600_97ee2049-893e-4c9d-a312-08d82b46faf7,)',
        ' cs2Label=uniqueServiceAppIds cs2=APPID_15600', // appId 15600, no name known
        // mainInfo.eventObjects[].name, in order
        ' cs3Label=targetObjects cs3=https://demistodev-my.sharepoint.com/personal/avishai_demistodev_onmicrosoft_com/,Avi Testman,Avi Testman',
        ' cs4Label=policyIDs cs4=', // no policies in an activity record
        ' c6a1Label="Device IPv6 Address" c6a1=',
      ].join(''),
    );
  });

  it('maps the VERBATIM alert of api-alerts-list.md (alerts-list-response.json)', () => {
    const raw = JSON.parse(readFileSync(resolve(fixtures, 'alerts-list-response.json'), 'utf8')) as {
      data: unknown[];
    };
    const mapped = record(mapAlert(raw.data[0]));
    expect(mapped).toMatchObject({
      type: 'ALERT_ANOMALY_DETECTION', // policyRule.policyType ANOMALY_DETECTION
      severity: 'medium', // severityValue 1
      status: 'open', // resolutionStatusValue 0
      source: 'cloud-apps',
      riskScore: 34, // threatScore
    });
    const line = createAlertEncoder(options)(mapped as unknown as CefAlert);
    expect(line).toBe(
      [
        '2021-05-25T11:25:16.475Z', // timestamp 1621941916475
        ' CEF:0|MCAS|SIEM_Agent|0.111.85|ALERT_ANOMALY_DETECTION|Honeytoken activity|6|', // title; medium → 6
        'externalId=603f704aaf7417985bbf3b22 rt=1621941916475 start=1621941916475 end=1621941916475',
        ' msg=Contoso user performed 11 suspicious activities MITRE Technique used Account Discovery (T1087) and subtechnique used Domain Account (T1087.002)',
        ' suser=user1@contoso.com', // the Source account's pa
        ' destinationServiceName=Active Directory', // the service entity's label
        ' cn1Label=riskScore cn1=34',
        ' cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/alerts/603f704aaf7417985bbf3b22',
        ' cs2Label=uniqueServiceAppIds cs2=APPID_20940', // service id 20940
        ' cs3Label=relatedAudits cs3=', // no activity entities
        ' cs4Label=policyIDs cs4=5bfd18bfab73c36ba10d38ca', // the policyRule entity's id
        ' src= c6a1Label="Device IPv6 Address" c6a1=', // no ip entity
      ].join(''),
    );
  });

  it('maps resolutionStatusValue onto the triage statuses: legacy Dismissed → benign, legacy Resolved → true positive', () => {
    const raw = JSON.parse(readFileSync(resolve(fixtures, 'alerts-list-response.json'), 'utf8')) as {
      data: Record<string, unknown>[];
    };
    const status = (resolutionStatusValue: unknown) =>
      record(mapAlert({ ...raw.data[0], resolutionStatusValue })).status;
    expect([0, 1, 2, 3, 4, 5, 6, undefined].map(status)).toEqual([
      'open',
      'closed-benign',
      'closed-true-positive',
      'closed-false-positive',
      'closed-benign',
      'closed-true-positive',
      'open',
      'open',
    ]);
  });

  it('maps a failed log-on whose entityData is an array and whose user is in failedUserData', () => {
    const mapped = record(
      mapActivity({
        _id: 'a1',
        timestamp: 1626197195142,
        created: 1626197535294,
        eventTypeName: 'EVENT_CATEGORY_FAILED_LOGIN',
        appId: 11161,
        appName: 'Office 365',
        device: { clientIP: '2001:db8::1', userAgent: ';Windows 10;Chrome 91.0;' },
        user: { userTags: [] },
        failedUserData: { userName: 'john@example.onmicrosoft.com' },
        description: 'Failed log on (Failure message: General failure)',
        description_metadata: { event_category: 'Failed log on', colon: '', dash: '' },
        entityData: [{ displayName: 'John Example' }, null],
      }),
    );
    expect(mapped).toMatchObject({
      action: 'Failed log on',
      user: 'john@example.onmicrosoft.com',
      appIds: ['APPID_O365'],
      ip: '2001:db8::1',
      targetObjects: ['John Example'],
    });
    expect(createActivityEncoder(options)(mapped as unknown as CefActivity)).toMatch(
      / dvc= .* c6a1=2001:db8::1$/,
    );
  });
});

describe('mdca mapping: records that cannot be mapped are rejected with the reason', () => {
  const good = { _id: 'x', timestamp: 1, eventTypeName: 'EVENT_CATEGORY_LOGIN', description: 'Log on' };
  it.each([
    [null, 'not a JSON object'],
    [{ ...good, _id: undefined }, '_id: missing'],
    [{ ...good, timestamp: '2020-01-01' }, 'timestamp: missing or not epoch ms'],
    [{ ...good, eventTypeName: undefined }, 'eventTypeName: missing'],
    [{ ...good, eventTypeName: 'LOGIN' }, 'category: must look like EVENT_CATEGORY_*'],
    [{ ...good, description: undefined }, 'no activity type'],
    [{ ...good, device: { clientIP: 'not-an-ip' } }, 'ip: must be an IPv4 or IPv6 address'],
  ])('activity %j → %s', (raw, reason) => {
    const mapped = mapActivity(raw);
    expect('rejected' in mapped && mapped.rejected).toContain(reason);
  });

  it.each([
    [{ _id: 'a', timestamp: 1, title: 't', severityValue: 7 }, 'severityValue: 7 is not 0–3'],
    [{ _id: 'a', timestamp: 1, severityValue: 0 }, 'title: missing'],
    [{ _id: 'a', title: 't', severityValue: 0 }, 'timestamp'],
  ])('alert %j → %s', (raw, reason) => {
    const mapped = mapAlert(raw);
    expect(mapped.upstreamId).toBe('a');
    expect('rejected' in mapped && mapped.rejected).toContain(reason);
  });

  it('names apps Microsoft names and numbers the rest', () => {
    expect(appIdLabel(14509)).toBe('APPID_SERVICENOW');
    expect(appIdLabel(15600)).toBe('APPID_15600');
  });
});
