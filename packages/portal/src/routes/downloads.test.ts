// The agent download at /downloads/: public, the file's bytes with its SHA-256, an ETag from the
// hash (304 on a match, a new one after a rebuild), and a clear error when the file is not built.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../test-support.ts';
import { AGENT_DOWNLOAD } from './downloads.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the agent download', () => {
  let dir: string;
  let portal: TestPortal;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cloudsiem-downloads-'));
    const sqlite = (await storeTargets()).find((s) => s.name === 'sqlite')!;
    portal = await startTestPortal(sqlite, { portal: { downloadsDir: dir } });
  });
  afterAll(async () => {
    await portal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 AGENT_DOWNLOAD_MISSING, as JSON and without a stack, while the file is not built', async () => {
    for (const path of [`/downloads/${AGENT_DOWNLOAD}`, `/downloads/${AGENT_DOWNLOAD}.sha256`]) {
      const answer = await portal.api('GET', path, { token: null });
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('AGENT_DOWNLOAD_MISSING');
      expect(answer.body.error.message).toContain('npm run build');
      expect(answer.text).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('serves the file to anyone, with its content type, its SHA-256 and an ETag that revalidates', async () => {
    const first = '#!/usr/bin/env node\nconsole.log("agent v1");\n';
    writeFileSync(join(dir, AGENT_DOWNLOAD), first);
    const answer = await portal.api('GET', `/downloads/${AGENT_DOWNLOAD}`, { token: null });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(first);
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="${AGENT_DOWNLOAD}"`);
    expect(answer.headers.get('cache-control')).toBe('public, no-cache');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = answer.headers.get('etag');
    expect(etag).toBe(`"sha256-${sha256(first)}"`);

    const sum = await portal.api('GET', `/downloads/${AGENT_DOWNLOAD}.sha256`, { token: null });
    expect(sum.status).toBe(200);
    expect(sum.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(sum.text).toBe(`${sha256(first)}  ${AGENT_DOWNLOAD}\n`);

    const again = await portal.api('GET', `/downloads/${AGENT_DOWNLOAD}`, {
      token: null,
      headers: { 'if-none-match': etag! },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');

    const head = await fetch(`${portal.url}/downloads/${AGENT_DOWNLOAD}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);

    // A rebuild (another size) is a new version: the old ETag no longer matches.
    const second = '#!/usr/bin/env node\nconsole.log("agent v2, rebuilt");\n';
    writeFileSync(join(dir, AGENT_DOWNLOAD), second);
    const rebuilt = await portal.api('GET', `/downloads/${AGENT_DOWNLOAD}`, {
      token: null,
      headers: { 'if-none-match': etag! },
    });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.text).toBe(second);
    expect(rebuilt.headers.get('etag')).toBe(`"sha256-${sha256(second)}"`);
  });

  it('is listed in the OpenAPI document as public', async () => {
    const doc = await portal.api('GET', '/api/openapi.json', { token: null });
    expect(Object.keys(doc.body.paths)).toContain(`/downloads/${AGENT_DOWNLOAD}`);
  });
});
