import type { Connector } from '@cloudsiem/protocol';
import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../api.ts';
import {
  changeType,
  formOf,
  inputOf,
  newForm,
  patchOf,
  placeServerIssues,
  settingsOf,
  splitList,
  stepOf,
  validate,
} from './connector-form.ts';

const TENANT = '6babcaad-604b-40ac-a9d7-9fd97c0b779f';
const CLIENT = '0d4f2c3a-1111-4222-8333-944455556666';

function stored(overrides: Partial<Connector>): Connector {
  return {
    id: 'c1',
    name: 'Contoso MDCA',
    type: 'mdca',
    enabled: true,
    settings: {},
    secretSet: { field: 'clientSecret', hint: 'abcd' },
    status: 'Connected',
    statusDetail: null,
    createdBy: 'admin',
    createdAt: 0,
    updatedAt: 0,
    lastPollAt: null,
    lastSuccessAt: null,
    lastError: null,
    newestRecordAt: null,
    recordsStored: 0,
    recordsRejected: 0,
    recordsPerMinute: 0,
    throttledUntil: null,
    streams: [],
    notifications: [],
    ...overrides,
  };
}

describe('connector form ↔ settings', () => {
  it("starts each type from its schema's defaults", () => {
    expect(newForm('mdca')).toMatchObject({
      url: '',
      pollSeconds: '300',
      requestsPerMinute: '20',
      auth: 'oauth',
    });
    expect(newForm('graph-alerts')).toMatchObject({
      url: 'https://graph.microsoft.com',
      requestsPerMinute: '60',
    });
    expect(newForm('o365-management').contentTypes).toContain('Audit.Exchange');
    expect(newForm('cloudsiem')).toMatchObject({ pollSeconds: '60', requestsPerMinute: '600' });
    // Another type keeps the name and starts its settings over.
    const form = { ...newForm('mdca', 'Contoso'), url: 'https://contoso.portal.cloudappsecurity.com' };
    expect(changeType(form, 'cloudsiem')).toEqual(newForm('cloudsiem', 'Contoso'));
  });

  it('sends an mdca OAuth connector as its schema wants it, and the secret under its field', () => {
    const form = {
      ...newForm('mdca', ' Contoso '),
      url: 'https://contoso.portal.cloudappsecurity.com',
      tenantId: TENANT,
      clientId: CLIENT,
      alerts: false,
      secret: 's3cret',
    };
    expect(validate(form, null)).toEqual({});
    expect(inputOf(form)).toEqual({
      name: 'Contoso',
      type: 'mdca',
      enabled: true,
      settings: {
        url: 'https://contoso.portal.cloudappsecurity.com',
        auth: 'oauth',
        tenantId: TENANT,
        clientId: CLIENT,
        authorityUrl: 'https://login.microsoftonline.com',
        dataTypes: { activities: true, alerts: false },
        pollSeconds: 300,
        requestsPerMinute: 20,
      },
      secret: { clientSecret: 's3cret' },
    });
    // The legacy API token: no tenant, client or authority; the secret is a token.
    const token = { ...form, auth: 'token' as const };
    expect(settingsOf(token)).not.toHaveProperty('tenantId');
    expect(inputOf(token).secret).toEqual({ token: 's3cret' });
  });

  it('names every problem beside its field at once', () => {
    const form = {
      ...newForm('mdca'),
      url: 'http://portal.example.com',
      activities: false,
      alerts: false,
      pollSeconds: '5',
      requestsPerMinute: 'lots',
    };
    const errors = validate(form, null);
    expect(errors).toEqual({
      name: 'name is required',
      url: 'URL plain http is allowed only on loopback; use https',
      dataTypes: 'turn on at least one of activities and alerts',
      pollSeconds: 'poll interval must be a whole number of seconds, 10–86400',
      requestsPerMinute: 'requests per minute must be a whole number, 1–30',
      tenantId: 'tenant ID is required with OAuth',
      clientId: 'client ID is required with OAuth',
      secret: 'the client secret is required',
    });
    expect(stepOf(errors)).toBe(0);
    expect(stepOf({ tenantId: 'x' })).toBe(1);
    expect(stepOf({})).toBeNull();
    expect(
      validate({ ...newForm('graph-alerts', 'g'), tenantId: TENANT, clientId: 'nope', secret: 'x' }, null),
    ).toEqual({
      clientId: 'client ID must be a GUID',
    });
    expect(
      validate(
        {
          ...newForm('o365-management', 'o'),
          tenantId: TENANT,
          clientId: CLIENT,
          contentTypes: [],
          secret: 'x',
        },
        null,
      ),
    ).toEqual({ contentTypes: 'choose at least one content type' });
  });

  it('reads a stored connector back, keeps the secret write-only, and asks for a new one only when the field changes', () => {
    const connector = stored({
      type: 'graph-alerts',
      settings: {
        url: 'https://graph.microsoft.com',
        tenantId: TENANT,
        clientId: CLIENT,
        authorityUrl: 'https://login.microsoftonline.com',
        serviceSources: ['microsoftDefenderForCloudApps', 'microsoftDefenderForIdentity'],
        pollSeconds: 120,
        requestsPerMinute: 60,
      },
    });
    const form = formOf(connector);
    expect(form).toMatchObject({
      name: 'Contoso MDCA',
      serviceSources: 'microsoftDefenderForCloudApps, microsoftDefenderForIdentity',
      pollSeconds: '120',
      secret: '',
    });
    expect(validate(form, connector)).toEqual({});
    expect(patchOf(form)).not.toHaveProperty('secret');
    expect(patchOf({ ...form, secret: 'new' }).secret).toEqual({ clientSecret: 'new' });
    expect(settingsOf(form).serviceSources).toEqual([
      'microsoftDefenderForCloudApps',
      'microsoftDefenderForIdentity',
    ]);

    // An mdca connector moved from its token to OAuth needs a client secret.
    const mdca = stored({
      settings: { url: 'https://x.example.com', auth: 'token' },
      secretSet: { field: 'token', hint: 'wxyz' },
    });
    const moved = { ...formOf(mdca), auth: 'oauth' as const, tenantId: TENANT, clientId: CLIENT };
    expect(validate(moved, mdca)).toEqual({ secret: 'the client secret is required' });
    expect(validate(formOf(mdca), mdca)).toEqual({});
  });

  it('splits a list typed with commas, spaces or lines', () => {
    expect(splitList(' a, b\nc;;d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitList('')).toEqual([]);
  });

  it("puts the portal's validation issues beside their fields", () => {
    const failure = new ApiFailure({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'invalid',
      issues: [
        { path: 'body.settings.tenantId', message: 'must be a tenant GUID or domain' },
        { path: 'settings.dataTypes.activities', message: 'expected boolean' },
        { path: 'secret', message: 'give exactly one of clientSecret and token' },
        { path: 'name', message: 'is taken' },
        { path: 'enabled', message: 'expected boolean' },
      ],
    });
    expect(placeServerIssues(failure)).toEqual({
      errors: {
        tenantId: 'must be a tenant GUID or domain',
        dataTypes: 'expected boolean',
        secret: 'give exactly one of clientSecret and token',
        name: 'is taken',
      },
      other: ['enabled: expected boolean'],
    });
    expect(placeServerIssues(new ApiFailure({ status: 500, code: 'HTTP', message: 'boom' }))).toBeNull();
    expect(placeServerIssues(new Error('x'))).toBeNull();
  });
});
