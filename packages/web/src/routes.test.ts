import { describe, expect, it } from 'vitest';
import { filterQuery, hashOf, parseFilterQuery, parseHash, type Route } from './routes.ts';

describe('hash routes', () => {
  it('opens the activity log filtered to one activity from a CEF portalURL link', () => {
    expect(parseHash('#/audits?activity.id=eq(a1b2c3,)')).toEqual({
      page: 'activity-log',
      filter: { id: { eq: ['a1b2c3'] } },
    });
    // The full link as the CEF cs1 field carries it, id with characters URLs keep raw.
    const url = new URL('https://portal.example.com/#/audits?activity.id=eq(5a1b:c_9-x.Z~,)');
    expect(parseHash(url.hash)).toEqual({ page: 'activity-log', filter: { id: { eq: ['5a1b:c_9-x.Z~'] } } });
    // Copied from the raw line, where CEF escapes the = of the extension value.
    expect(parseHash('#/audits?activity.id\\=eq(a1b2c3,)')).toEqual({
      page: 'activity-log',
      filter: { id: { eq: ['a1b2c3'] } },
    });
  });

  it("opens an activity's own URL, #/audits/<id>, and writes it back", () => {
    expect(parseHash('#/audits/act%2F1')).toEqual({ page: 'activity-log', filter: {}, activityId: 'act/1' });
    expect(hashOf({ page: 'activity-log', filter: {}, activityId: 'act/1' })).toBe('#/audits/act%2F1');
  });

  it("opens an alert's detail from #/alerts/<id>", () => {
    expect(parseHash('#/alerts/alert-42')).toEqual({ page: 'alerts', alertId: 'alert-42', filter: {} });
    expect(parseHash('#/alerts/a%2Fb')).toEqual({ page: 'alerts', alertId: 'a/b', filter: {} });
    expect(parseHash('#/alerts')).toEqual({ page: 'alerts', alertId: null, filter: {} });
  });

  it('reads the other pages, the start page and unknown paths', () => {
    expect(parseHash('')).toEqual({ page: 'overview' });
    expect(parseHash('#/')).toEqual({ page: 'overview' });
    expect(parseHash('#/overview')).toEqual({ page: 'overview' });
    expect(parseHash('#/siem-agents/')).toEqual({ page: 'siem-agents' });
    // The Add SIEM agent wizard's steps; `new` alone is its first step.
    expect(parseHash('#/siem-agents/new')).toEqual({ page: 'siem-agents', newAgent: 'general' });
    expect(parseHash('#/siem-agents/new/remote-syslog')).toEqual({
      page: 'siem-agents',
      newAgent: 'remote-syslog',
    });
    expect(parseHash('#/siem-agents/new/other')).toEqual({
      page: 'not-found',
      path: '/siem-agents/new/other',
    });
    expect(parseHash('#/siem-agents/ag%201')).toEqual({ page: 'siem-agent', id: 'ag 1' });
    // Editing an agent: its steps over its details; `edit` alone is the first; the token is no step.
    expect(parseHash('#/siem-agents/ag%201/edit')).toEqual({
      page: 'siem-agent',
      id: 'ag 1',
      editStep: 'general',
    });
    expect(parseHash('#/siem-agents/a/edit/data-types')).toEqual({
      page: 'siem-agent',
      id: 'a',
      editStep: 'data-types',
    });
    expect(parseHash('#/siem-agents/a/edit/token')).toEqual({
      page: 'not-found',
      path: '/siem-agents/a/edit/token',
    });
    expect(hashOf({ page: 'siem-agent', id: 'ag 1', editStep: 'remote-syslog' })).toBe(
      '#/siem-agents/ag%201/edit/remote-syslog',
    );
    expect(parseHash('#/admins')).toEqual({ page: 'admins' });
    expect(parseHash('#/policies')).toEqual({ page: 'policies' });
    expect(parseHash('#/settings/connectors')).toEqual({ page: 'connectors' });
    expect(parseHash('#/settings/connectors/')).toEqual({ page: 'connectors' });
    expect(parseHash('#/settings/connectors/c%201')).toEqual({ page: 'connector', id: 'c 1' });
    expect(parseHash('#/settings/connectors/a/b')).toEqual({
      page: 'not-found',
      path: '/settings/connectors/a/b',
    });
    expect(parseHash('#/settings')).toEqual({ page: 'not-found', path: '/settings' });
    expect(parseHash('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
    expect(parseHash('#/siem-agents/a/b')).toEqual({ page: 'not-found', path: '/siem-agents/a/b' });
  });

  it('types URL filter values by field kind and skips unknown fields, ops and malformed values', () => {
    expect(
      parseFilterQuery(
        'activities',
        'activity.timestamp=gte(1000,)&activity.timestamp=lte(2000)&activity.isAdmin=eq(true,)&activity.user=isset()&activity.bogus=eq(x,)&activity.appName=like(x,)&activity.ip=oops&activity.appName=eq(Box,Dropbox,)',
      ),
    ).toEqual({
      timestamp: { gte: 1000, lte: 2000 },
      isAdmin: { eq: [true] },
      user: { isset: true },
      appName: { eq: ['Box', 'Dropbox'] },
    });
    expect(parseFilterQuery('alerts', 'alert.severity=eq(high,medium,)&activity.id=eq(x,)')).toEqual({
      severity: { eq: ['high', 'medium'] },
    });
  });

  it('skips prototype keys as unknown fields', () => {
    expect(
      parseFilterQuery(
        'activities',
        'activity.constructor=eq(x,)&activity.__proto__=isset()&activity.toString=eq(1,)',
      ),
    ).toEqual({});
    // Resolved through the prototype, `filter.constructor ??= {}` would write onto Object itself.
    expect(Object.hasOwn(Object, 'eq')).toBe(false);
    expect(
      Object.hasOwn(Function.prototype, 'eq') ||
        Object.hasOwn(Object.getOwnPropertyDescriptor(Object.prototype, 'toString')!.value as object, 'eq'),
    ).toBe(false);
  });

  it('links a CEF line with a URL-encoded id back to that id', () => {
    const id = 'a,b#c&d/e (f)';
    const hash = `#/audits?activity.id=eq(${encodeURIComponent(id)},)`;
    expect(parseHash(hash)).toEqual({ page: 'activity-log', filter: { id: { eq: [id] } } });
    expect(parseHash(`#/alerts/${encodeURIComponent(id)}`)).toMatchObject({ page: 'alerts', alertId: id });
  });

  it('writes filters back into the same URL form, encoding commas and other specials in values', () => {
    const filter = { user: { eq: ['a,b@example.com', 'c&d'] }, description: { contains: 'x (y)' } };
    const query = filterQuery('activities', filter);
    expect(query).toBe(
      'activity.user=eq(a%2Cb%40example.com,c%26d,)&activity.description=contains(x%20(y),)',
    );
    expect(parseFilterQuery('activities', query)).toEqual(filter);
  });

  it('hashOf and parseHash agree', () => {
    const routes: Route[] = [
      { page: 'overview' },
      { page: 'siem-agents' },
      { page: 'siem-agents', newAgent: 'general' },
      { page: 'siem-agents', newAgent: 'token' },
      { page: 'siem-agent', id: 'x/y z' },
      { page: 'connectors' },
      { page: 'connector', id: 'c/1 2' },
      { page: 'activity-log', filter: {} },
      { page: 'activity-log', filter: { id: { eq: ['abc'] } } },
      { page: 'alerts', alertId: 'al-1', filter: { severity: { eq: ['high'] } } },
      { page: 'alerts', alertId: null, filter: {} },
      { page: 'admins' },
      { page: 'policies' },
    ];
    for (const route of routes) expect(parseHash(hashOf(route))).toEqual(route);
    expect(hashOf({ page: 'activity-log', filter: { id: { eq: ['abc'] } } })).toBe(
      '#/audits?activity.id=eq(abc,)',
    );
  });
});
