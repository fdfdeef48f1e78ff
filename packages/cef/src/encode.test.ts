import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode } from './decode.ts';
import {
  createActivityEncoder,
  createAlertEncoder,
  encodeActivity,
  encodeAlert,
  epochText,
} from './encode.ts';
import { CefRecordError, CefSettingsError } from './errors.ts';
import type { CefActivity, CefAlert } from './records.ts';
import type { CefSettings } from './settings.ts';

const JAN_2_2017 = Date.UTC(2017, 0, 2, 16, 38, 38, 383);

const settings: CefSettings = {
  format: 'generic',
  timeFormat: 'rfc5424',
  includePri: false,
  systemName: null,
  portalUrl: 'https://portal.example.com',
  deviceVersion: '1.2.3',
};

const activity: CefActivity = {
  id: 'a1',
  timestamp: JAN_2_2017,
  category: 'EVENT_CATEGORY_LOGIN',
  action: 'Log on',
  description: 'Log on: Box',
  user: 'alice@contoso.com',
  appName: 'Box',
  appIds: ['APPID_BOX'],
  ip: '13.82.149.151',
  userAgent: 'Mozilla/5.0',
  targetObjects: ['t1', 't2'],
  policyIds: ['p1', 'p2'],
};

const alert: CefAlert = {
  id: 'x1',
  timestamp: JAN_2_2017,
  type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
  policyName: 'Mass download',
  severity: 'medium',
  description: 'Activity policy triggered',
  user: 'bob@contoso.com',
  appName: 'Box',
  appIds: ['APPID_BOX'],
  riskScore: 7,
  relatedActivityIds: ['r1', 'r2'],
  policyIds: ['p1'],
  ip: '2001:db8::1',
};

function activityLine(record: Partial<CefActivity> = {}, options: Partial<CefSettings> = {}): string {
  return createActivityEncoder({ ...settings, ...options })({ ...activity, ...record });
}

function alertLine(record: Partial<CefAlert> = {}, options: Partial<CefSettings> = {}): string {
  return createAlertEncoder({ ...settings, ...options })({ ...alert, ...record });
}

/** The error `fn` throws (fails the test when it throws none). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('syslog prefix', () => {
  it('writes RFC 5424 time by default, then the CEF text', () => {
    expect(activityLine()).toMatch(/^2017-01-02T16:38:38\.383Z CEF:0\|MCAS\|SIEM_Agent\|1\.2\.3\|/);
  });

  it('writes RFC 3164 time with the day space-padded', () => {
    expect(activityLine({}, { timeFormat: 'rfc3164' })).toMatch(/^Jan {2}2 16:38:38 CEF:0\|/);
  });

  it('writes RFC 3164 time with the year after the day', () => {
    expect(activityLine({}, { timeFormat: 'rfc3164-year' })).toMatch(/^Jan {2}2 2017 16:38:38 CEF:0\|/);
  });

  it('puts the system name after the time', () => {
    expect(activityLine({}, { systemName: 'siem-agent-01' })).toMatch(
      /^2017-01-02T16:38:38\.383Z siem-agent-01 CEF:0\|/,
    );
  });

  it('writes PRI from the facility (default local0 = 16) and severity informational for activities', () => {
    expect(activityLine({}, { includePri: true })).toMatch(/^<134>2017-01-02T16:38:38\.383Z CEF:0\|/);
    expect(activityLine({}, { includePri: true, facility: 4, systemName: 'h' })).toMatch(
      /^<38>2017-01-02T16:38:38\.383Z h CEF:0\|/,
    );
  });

  it('derives the PRI severity of an alert from its severity', () => {
    const pri = (severity: CefAlert['severity']) =>
      /^<(\d+)>/.exec(alertLine({ severity }, { includePri: true }))?.[1];
    expect([pri('informational'), pri('low'), pri('medium'), pri('high')]).toEqual([
      '134',
      '133',
      '132',
      '131',
    ]);
  });

  it('ArcSight format: RFC 5424 time and no PRI whatever the generic settings say; system name applies', () => {
    const line = activityLine(
      {},
      {
        format: 'arcsight',
        timeFormat: 'rfc3164',
        includePri: true,
        facility: 3,
        headerStyle: 'rfc5424',
        systemName: 'lab-arc',
      },
    );
    expect(line).toMatch(/^2017-01-02T16:38:38\.383Z lab-arc CEF:0\|/);
    expect(activityLine({}, { format: 'arcsight' })).toMatch(/^2017-01-02T16:38:38\.383Z CEF:0\|/);
  });

  it('writes a full RFC 5424 header, or none, when asked', () => {
    expect(activityLine({}, { headerStyle: 'rfc5424', systemName: 'h1' })).toMatch(
      /^<134>1 2017-01-02T16:38:38\.383Z h1 cloudsiem - - - CEF:0\|/,
    );
    expect(activityLine({}, { headerStyle: 'none', includePri: true })).toMatch(/^CEF:0\|MCAS\|/);
  });
});

describe('activity lines', () => {
  it('writes every key in Microsoft order', () => {
    expect(activityLine()).toBe(
      '2017-01-02T16:38:38.383Z CEF:0|MCAS|SIEM_Agent|1.2.3|EVENT_CATEGORY_LOGIN|Log on|0|externalId=a1 ' +
        `rt=${JAN_2_2017} start=${JAN_2_2017} end=${JAN_2_2017} msg=Log on: Box suser=alice@contoso.com ` +
        'destinationServiceName=Box dvc=13.82.149.151 requestClientApplication=Mozilla/5.0 cs1Label=portalURL ' +
        'cs1=https://portal.example.com/#/audits?activity.id\\=eq(a1,) cs2Label=uniqueServiceAppIds cs2=APPID_BOX ' +
        'cs3Label=targetObjects cs3=t1,t2 cs4Label=policyIDs cs4=p1,p2 c6a1Label="Device IPv6 Address" c6a1=',
    );
  });

  it('puts an IPv4 address in dvc and an IPv6 address in c6a1', () => {
    const v4 = decode(activityLine({ ip: '10.1.2.3' })).extension;
    expect([v4.dvc, v4.c6a1]).toEqual(['10.1.2.3', '']);
    const v6 = decode(activityLine({ ip: 'fe80::1ff:fe23:4567:890a' })).extension;
    expect([v6.dvc, v6.c6a1]).toEqual(['', 'fe80::1ff:fe23:4567:890a']);
    const none = decode(activityLine({ ip: null })).extension;
    expect([none.dvc, none.c6a1]).toEqual(['', '']);
  });

  it('writes null and missing optional fields as empty values', () => {
    const line = createActivityEncoder(settings)({
      id: 'a1',
      timestamp: 0,
      category: 'EVENT_CATEGORY_LOGOUT',
      action: 'Log out',
      user: null,
      appIds: null,
    });
    expect(line).toBe(
      '1970-01-01T00:00:00.000Z CEF:0|MCAS|SIEM_Agent|1.2.3|EVENT_CATEGORY_LOGOUT|Log out|0|externalId=a1 ' +
        'rt=0 start=0 end=0 msg= suser= destinationServiceName= dvc= requestClientApplication= ' +
        'cs1Label=portalURL cs1=https://portal.example.com/#/audits?activity.id\\=eq(a1,) ' +
        'cs2Label=uniqueServiceAppIds cs2= cs3Label=targetObjects cs3= cs4Label=policyIDs cs4= ' +
        'c6a1Label="Device IPv6 Address" c6a1=',
    );
  });

  it('drops a trailing slash of the portal URL', () => {
    expect(decode(activityLine({}, { portalUrl: 'http://localhost:8080/' })).extension.cs1).toBe(
      'http://localhost:8080/#/audits?activity.id=eq(a1,)',
    );
  });

  it('uses the vendor, product and device version settings, escaped', () => {
    const line = activityLine({}, { vendor: 'Acme|Corp', product: 'Cloud\\SIEM', deviceVersion: '2.0' });
    expect(line).toContain(' CEF:0|Acme\\|Corp|Cloud\\\\SIEM|2.0|EVENT_CATEGORY_LOGIN|');
    expect(decode(line)).toMatchObject({ vendor: 'Acme|Corp', product: 'Cloud\\SIEM', deviceVersion: '2.0' });
  });

  it('gives the same line through encodeActivity (settings compiled once per object)', () => {
    expect(encodeActivity(activity, settings)).toBe(activityLine());
    expect(encodeActivity({ ...activity, id: 'a2' }, settings)).toBe(activityLine({ id: 'a2' }));
  });
});

describe('alert lines', () => {
  it('writes every key in Microsoft order', () => {
    expect(alertLine()).toBe(
      '2017-01-02T16:38:38.383Z CEF:0|MCAS|SIEM_Agent|1.2.3|ALERT_CABINET_EVENT_MATCH_AUDIT|Mass download|6|' +
        `externalId=x1 rt=${JAN_2_2017} start=${JAN_2_2017} end=${JAN_2_2017} msg=Activity policy triggered ` +
        'suser=bob@contoso.com destinationServiceName=Box cn1Label=riskScore cn1=7 cs1Label=portalURL ' +
        'cs1=https://portal.example.com/#/alerts/x1 cs2Label=uniqueServiceAppIds cs2=APPID_BOX ' +
        'cs3Label=relatedAudits cs3=r1,r2 cs4Label=policyIDs cs4=p1 src= c6a1Label="Device IPv6 Address" ' +
        'c6a1=2001:db8::1',
    );
  });

  it('maps the severity: informational 1, low 3, medium 6, high 8', () => {
    const severity = (s: CefAlert['severity']) => decode(alertLine({ severity: s })).severity;
    expect([severity('informational'), severity('low'), severity('medium'), severity('high')]).toEqual([
      '1',
      '3',
      '6',
      '8',
    ]);
  });

  it('puts an IPv4 address in src', () => {
    const e = decode(alertLine({ ip: '192.0.2.7' })).extension;
    expect([e.src, e.c6a1]).toEqual(['192.0.2.7', '']);
  });

  it('writes the risk score, or nothing when null', () => {
    expect(decode(alertLine({ riskScore: 10 })).extension.cn1).toBe('10');
    expect(decode(alertLine({ riskScore: null })).extension.cn1).toBe('');
  });

  it('gives the same line through encodeAlert', () => {
    expect(encodeAlert(alert, settings)).toBe(alertLine());
  });
});

describe('escaping and sanitising', () => {
  it('escapes backslash and pipe in header fields', () => {
    const line = activityLine({ category: 'A|B\\C', action: 'x|y' });
    expect(line).toContain('|A\\|B\\\\C|x\\|y|0|');
    expect(decode(line)).toMatchObject({ signature: 'A|B\\C', name: 'x|y' });
  });

  it('leaves = in header fields alone', () => {
    expect(activityLine({ action: 'a=b' })).toContain('|a=b|0|');
  });

  it.each([
    ['backslash', 'a\\b', 'a\\\\b'],
    ['equals sign', 'a=b', 'a\\=b'],
    ['CR', 'a\rb', 'a\\rb'],
    ['LF', 'a\nb', 'a\\nb'],
    ['CRLF', 'a\r\nb', 'a\\r\\nb'],
    ['pipe (not escaped in the extension)', 'a|b', 'a|b'],
    ['tab (kept)', 'a\tb', 'a\tb'],
  ])('escapes the %s in extension values', (_name, value, written) => {
    const line = activityLine({ description: value });
    expect(line).toContain(` msg=${written} suser=`);
    expect(decode(line).extension.msg).toBe(value);
  });

  it('replaces other control characters (C0 but TAB, and DEL) by a space, in the header and the extension', () => {
    const controls = '\0\x01\x07\x08\x0b\x0c\x1b\x1f\x7f';
    const line = activityLine({ action: `a${controls}\r\nb`, user: `u${controls}v` });
    expect(line).toContain(`|a${' '.repeat(controls.length + 2)}b|0|`);
    expect(line).toContain(` suser=u${' '.repeat(controls.length)}v `);
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(line).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
  });

  it('escapes list items, and URL-encodes the id inside the portal link', () => {
    const line = activityLine({ id: 'id=1', targetObjects: ['a=b', 'c\\d'] });
    expect(line).toContain('|0|externalId=id\\=1 ');
    expect(line).toContain('activity.id\\=eq(id%3D1,) ');
    expect(line).toContain(' cs3=a\\=b,c\\\\d ');
    expect(decode(line).extension).toMatchObject({ externalId: 'id=1', cs3: 'a=b,c\\d' });
  });

  it.each([
    ['#&,/ ?', '%23%26%2C%2F%20%3F'],
    ['a\\b|c', 'a%5Cb%7Cc'],
    ['日本😀', '%E6%97%A5%E6%9C%AC%F0%9F%98%80'],
    ['x\r\ny', 'x%0D%0Ay'],
    ['lone \uD800', 'lone%20%EF%BF%BD'],
    ["plain-_.!~*'()", "plain-_.!~*'()"],
  ])('URL-encodes the id %j in both portal links', (id, encoded) => {
    expect(decode(activityLine({ id })).extension.cs1).toBe(
      `https://portal.example.com/#/audits?activity.id=eq(${encoded},)`,
    );
    expect(decode(alertLine({ id })).extension.cs1).toBe(`https://portal.example.com/#/alerts/${encoded}`);
  });

  it('keeps non-ASCII text as it is', () => {
    expect(decode(activityLine({ description: 'Überprüfung 日本 😀 \u00a0' })).extension.msg).toBe(
      'Überprüfung 日本 😀 \u00a0',
    );
  });

  it.each([
    ['NEL', '\x85'],
    ['LS', '\u2028'],
    ['PS', '\u2029'],
  ])(
    'writes the Unicode line break %s as \\n in extension values and a space in header fields',
    (_name, ch) => {
      const line = activityLine({ action: `a${ch}b`, description: `c${ch}d`, targetObjects: [`e${ch}f`] });
      expect(line).toContain(`|a b|0|`);
      expect(line).toContain(` msg=c\\nd suser=`);
      expect(line).toContain(` cs3=e\\nf `);
      expect(line).not.toMatch(/[\r\n\x85\u2028\u2029]/);
      expect(decode(line).extension.msg).toBe('c\nd');
      const alert = alertLine({ policyName: `p${ch}q`, user: `u${ch}v` });
      expect(alert).toContain(`|p q|6|`);
      expect(alert).toContain(` suser=u\\nv `);
    },
  );
});

describe('truncation to the CEF limits (UTF-8 bytes, before escaping)', () => {
  const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

  it('truncates msg to 1023 bytes', () => {
    expect(decode(activityLine({ description: 'x'.repeat(5000) })).extension.msg).toBe('x'.repeat(1023));
  });

  it('never splits a 2-byte, 3-byte or astral character at the limit', () => {
    const msg = (description: string) => decode(activityLine({ description })).extension.msg!;
    expect(msg('é'.repeat(600))).toBe('é'.repeat(511)); // 1022 bytes; one more would be 1024
    expect(msg('€'.repeat(400))).toBe('€'.repeat(341)); // 1023 bytes exactly
    expect(msg('😀'.repeat(300))).toBe('😀'.repeat(255)); // 1020 bytes; the pair is never cut
    expect(msg(`${'x'.repeat(1021)}😀`)).toBe('x'.repeat(1021));
    expect(utf8(msg(`${'x'.repeat(1020)}😀`))).toBe(1020);
    expect(msg(`${'x'.repeat(1019)}😀`)).toBe(`${'x'.repeat(1019)}😀`); // exactly 1023
  });

  it('truncates before escaping, so escapes are never cut and the decoded value has the limit', () => {
    const line = activityLine({ description: '='.repeat(2000) });
    expect(line).toContain(` msg=${'\\='.repeat(1023)} suser=`);
    expect(decode(line).extension.msg).toBe('='.repeat(1023));
  });

  it('truncates the header name to 512 bytes and the signature to 1023', () => {
    const decoded = decode(activityLine({ action: 'n'.repeat(600), category: 'c'.repeat(2000) }));
    expect(decoded.name).toBe('n'.repeat(512));
    expect(decoded.signature).toBe('c'.repeat(1023));
  });

  it('truncates the vendor and product to 63 bytes and the device version to 31', () => {
    const decoded = decode(
      activityLine({}, { vendor: 'v'.repeat(70), product: 'ü'.repeat(40), deviceVersion: '9'.repeat(40) }),
    );
    expect(decoded.vendor).toBe('v'.repeat(63));
    expect(decoded.product).toBe('ü'.repeat(31));
    expect(decoded.deviceVersion).toBe('9'.repeat(31));
  });

  it('truncates suser, destinationServiceName, requestClientApplication and externalId to 1023 bytes', () => {
    const long = 'y'.repeat(1100);
    const e = decode(activityLine({ user: long, appName: long, userAgent: long, id: long })).extension;
    expect(
      [e.suser, e.destinationServiceName, e.requestClientApplication, e.externalId].map((v) => v!.length),
    ).toEqual([1023, 1023, 1023, 1023]);
  });

  it('truncates the joined lists and the portal link (custom strings) to 4000 bytes', () => {
    const e = decode(
      activityLine({ id: 'i'.repeat(5000), targetObjects: ['a'.repeat(3000), 'b'.repeat(3000)] }),
    ).extension;
    expect(e.cs3).toBe(`${'a'.repeat(3000)},${'b'.repeat(999)}`);
    expect(e.cs1).toHaveLength(4000);
    expect(e.cs1!.startsWith('https://portal.example.com/#/audits?activity.id=eq(iii')).toBe(true);
  });

  it('keeps Microsoft-length ids whole (externalId is 40 in the spec; see README)', () => {
    const id = '1511373015679_167ae3eb-ed33-454a-b548-c2ed6cea6ef0';
    expect(decode(activityLine({ id })).extension.externalId).toBe(id);
  });
});

describe('bad records', () => {
  const encodeActivityRecord = createActivityEncoder(settings);
  const encodeAlertRecord = createAlertEncoder(settings);
  const activityError = (record: Record<string, unknown>) =>
    thrown(() => encodeActivityRecord({ ...activity, ...record }));
  const alertError = (record: Record<string, unknown>) =>
    thrown(() => encodeAlertRecord({ ...alert, ...record }));

  it.each([
    ['id', { id: undefined }],
    ['id', { id: null }],
    ['timestamp', { timestamp: undefined }],
    ['category', { category: undefined }],
    ['action', { action: null }],
  ])('reports a missing required activity field (%s) as CEF_FIELD_MISSING', (field, record) => {
    const error = activityError(record);
    expect(error).toBeInstanceOf(CefRecordError);
    expect(error).toMatchObject({ code: 'CEF_FIELD_MISSING', field, retriable: false });
    expect((error as Error).message).toBe(`${field}: is required`);
  });

  it.each([
    ['id', { id: 42 }, 'must be a string, got number'],
    ['id', { id: '' }, 'must not be empty'],
    ['timestamp', { timestamp: '2017-01-02' }, 'must be a number of epoch milliseconds, got string'],
    ['timestamp', { timestamp: 1.5 }, 'must be an integer number of epoch milliseconds'],
    ['timestamp', { timestamp: -1 }, 'must be an integer number of epoch milliseconds'],
    ['timestamp', { timestamp: Number.NaN }, 'must be an integer number of epoch milliseconds'],
    ['timestamp', { timestamp: 253_402_300_800_000 }, 'from 0 to 253402300799999'],
    ['category', { category: ['x'] }, 'must be a string, got array'],
    ['ip', { ip: '10.0.0.256' }, 'must be an IPv4 or IPv6 address, got "10.0.0.256"'],
    ['ip', { ip: 'localhost' }, 'must be an IPv4 or IPv6 address'],
    ['ip', { ip: 167772161 }, 'must be a string or null, got number'],
    ['user', { user: 5 }, 'must be a string or null, got number'],
    ['description', { description: {} }, 'must be a string or null, got object'],
    ['targetObjects', { targetObjects: 'a,b' }, 'must be an array of strings, got string'],
    ['targetObjects[1]', { targetObjects: ['a', 1] }, 'must be a string, got number'],
  ])('reports an invalid activity field (%s) as CEF_FIELD_INVALID', (field, record, reason) => {
    const error = activityError(record);
    expect(error).toBeInstanceOf(CefRecordError);
    expect(error).toMatchObject({ code: 'CEF_FIELD_INVALID', field });
    expect((error as CefRecordError).reason).toContain(reason);
  });

  it.each([
    ['type', { type: undefined }, 'CEF_FIELD_MISSING'],
    ['policyName', { policyName: null }, 'CEF_FIELD_MISSING'],
    ['severity', { severity: undefined }, 'CEF_FIELD_MISSING'],
    ['severity', { severity: 'critical' }, 'CEF_FIELD_INVALID'],
    ['severity', { severity: 'toString' }, 'CEF_FIELD_INVALID'],
    ['riskScore', { riskScore: Number.POSITIVE_INFINITY }, 'CEF_FIELD_INVALID'],
    ['riskScore', { riskScore: '7' }, 'CEF_FIELD_INVALID'],
    ['relatedActivityIds[0]', { relatedActivityIds: [null] }, 'CEF_FIELD_INVALID'],
    ['ip', { ip: '::ffff:1.2.3' }, 'CEF_FIELD_INVALID'],
  ])('reports a bad alert field (%s)', (field, record, code) => {
    expect(alertError(record)).toMatchObject({ code, field });
  });

  it('refuses something that is not a record', () => {
    expect(thrown(() => encodeActivityRecord(null as unknown as CefActivity))).toMatchObject({
      code: 'CEF_FIELD_INVALID',
      field: 'activity',
    });
  });
});

describe('bad settings', () => {
  it.each([
    ['format', { format: 'cef' }],
    ['timeFormat', { timeFormat: 'iso' }],
    ['includePri', { includePri: 'yes' }],
    ['facility', { facility: 24 }],
    ['facility', { facility: 1.5 }],
    ['headerStyle', { headerStyle: 'full' }],
    ['systemName', { systemName: 'has space' }],
    ['systemName', { systemName: 7 }],
    ['portalUrl', { portalUrl: 'portal.example.com' }],
    ['portalUrl', { portalUrl: 'ftp://portal.example.com' }],
    ['portalUrl', { portalUrl: 'https://portal.example.com/a b' }],
    ['portalUrl', { portalUrl: 'https://portal.example.com/a\u2028b' }],
    ['portalUrl', { portalUrl: 'https://portal.example.com/a\x85b' }],
    ['portalUrl', { portalUrl: undefined }],
    ['deviceVersion', { deviceVersion: 1 }],
    ['vendor', { vendor: '' }],
    ['product', { product: 5 }],
  ])('refuses a bad %s with a CefSettingsError naming it, when the encoder is created', (setting, bad) => {
    const bad_ = { ...settings, ...bad } as unknown as CefSettings;
    for (const create of [createActivityEncoder, createAlertEncoder]) {
      const error = thrown(() => create(bad_));
      expect(error).toBeInstanceOf(CefSettingsError);
      expect(error).toMatchObject({ code: 'CEF_SETTINGS_INVALID', setting });
      expect((error as Error).message.startsWith(`${setting}: `)).toBe(true);
    }
    expect(() => encodeActivity(activity, bad_)).toThrow(CefSettingsError);
  });

  it('accepts an empty system name as no system name', () => {
    expect(activityLine({}, { systemName: '' })).toMatch(/^2017-01-02T16:38:38\.383Z CEF:0\|/);
  });
});

describe('epochText', () => {
  it('writes any time like String()', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(epochText(ms)).toBe(String(ms));
      }),
    );
    for (const ms of [0, 9_999_999, 10_000_000, 10_000_001, 1_500_000_000_000, 253_402_300_799_999]) {
      expect(epochText(ms)).toBe(String(ms));
    }
  });
});
