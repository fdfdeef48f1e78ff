import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../test-support.ts';
import { serveWeb, WEB_CSP } from './web.ts';

const INDEX = '<!doctype html><title>cloudsiem</title><div id="root"></div>';

function appOn(dir: string) {
  const app = new Hono();
  app.get('*', serveWeb(dir));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no route' } }, 404));
  return app;
}

describe('the web UI files at /', () => {
  let dir: string;
  let app: Hono;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloudsiem-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets/index-AbC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets/index-AbC123.css'), 'body{}');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(tmpdir(), 'cloudsiem-web-secret.txt'), 'secret');
    app = appOn(dir);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(tmpdir(), 'cloudsiem-web-secret.txt'), { force: true });
  });

  it('answers / with index.html, revalidated on every load, under a strict CSP', async () => {
    const answer = await app.request('/');
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe(INDEX);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    expect(answer.headers.get('content-security-policy')).toBe(WEB_CSP);
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).toContain("frame-ancestors 'none'");
    expect(WEB_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
  });

  it('serves hashed assets with their content type and a year-long immutable cache', async () => {
    const js = await app.request('/assets/index-AbC123.js');
    expect(js.status).toBe(200);
    expect(await js.text()).toBe('console.log(1)');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await app.request('/assets/index-AbC123.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const icon = await app.request('/favicon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers unknown non-API paths with index.html, but a missing asset with 404', async () => {
    for (const path of ['/siem-agents', '/audits', '/a/b/c']) {
      const answer = await app.request(path);
      expect(answer.status, path).toBe(200);
      expect(await answer.text()).toBe(INDEX);
    }
    const missing = await app.request('/assets/index-Old999.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).not.toMatch(/html/);
  });

  it('leaves /api/ and /healthz to the API', async () => {
    for (const path of ['/api/v1/nothing', '/api', '/healthz']) {
      const answer = await app.request(path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  it('never serves a file outside its folder', async () => {
    for (const path of [
      '/../cloudsiem-web-secret.txt',
      '/..%2fcloudsiem-web-secret.txt',
      '/assets/..%2f..%2fcloudsiem-web-secret.txt',
      '/%2e%2e/cloudsiem-web-secret.txt',
      '/..%5ccloudsiem-web-secret.txt',
      '/%00',
    ]) {
      const answer = await app.request(path);
      expect(await answer.text(), path).not.toContain('secret');
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.request('/');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const again = await app.request('/', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('says to run npm run build when the UI is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cloudsiem-web-empty-'));
    try {
      const answer = await appOn(empty).request('/');
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.headers.get('content-security-policy')).toBe(WEB_CSP);
      expect(await answer.text()).toContain('npm run build');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('GET /api/v1/auth/session', () => {
  let t: TestPortal;
  beforeAll(async () => {
    t = await startTestPortal((await storeTargets()).find((s) => s.name === 'sqlite')!);
  });
  afterAll(() => t.close());

  it('answers 200 with admin null without a session, and the admin with one', async () => {
    const none = await t.api('GET', '/api/v1/auth/session', { token: null });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ admin: null });
    const bogus = await t.api('GET', '/api/v1/auth/session', {
      token: null,
      headers: { cookie: 'cloudsiem_session=not-a-session' },
    });
    expect(bogus.body).toEqual({ admin: null });
    const login = await t.api('POST', '/api/v1/auth/login', {
      token: null,
      body: { email: 'admin@cloudsiem.local', password: t.password },
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const signedIn = await t.api('GET', '/api/v1/auth/session', { token: null, headers: { cookie } });
    expect(signedIn.body.admin).toMatchObject({ email: 'admin@cloudsiem.local' });
  });

  it('is served by the portal next to the web UI', async () => {
    const page = await fetch(`${t.url}/`);
    expect(page.headers.get('content-security-policy')).toBe(WEB_CSP);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
