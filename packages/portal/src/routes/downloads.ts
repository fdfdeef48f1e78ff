// The agent download (DESIGN §7): dist/downloads/cloudsiem-agent.mjs, the agent alone as one file
// that `node cloudsiem-agent.mjs --token-file FILE` runs with Node 20.19+, its SHA-256 in
// sha256sum's format, and the systemd unit of deploy/ that runs it (built by scripts/build.mjs). Public: the same bytes for everyone, no secret in them (the token stays with
// the admin). Cached with an ETag from the content hash, revalidated on every load.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { ApiError } from '../errors.ts';
import { route, type RouteDef } from '../http/route.ts';

export const AGENT_DOWNLOAD = 'cloudsiem-agent.mjs';
export const UNIT_DOWNLOAD = 'cloudsiem-agent.service';

/**
 * Where the built download is: beside the sources (packages/portal/src/routes → dist/downloads)
 * or beside the CLI bundle (dist/cloudsiem.mjs → dist/downloads).
 */
export function defaultDownloadsDir(): string {
  const candidates = [
    fileURLToPath(new URL('../../../../dist/downloads', import.meta.url)),
    fileURLToPath(new URL('./downloads', import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, AGENT_DOWNLOAD))) ?? candidates[0]!;
}

interface Built {
  size: number;
  mtimeMs: number;
  bytes: Buffer;
  sha256: string;
}

/** The file read once per build (its size and mtime), with its hash computed from what is served. */
function downloadFile(dir: string, name: string): () => Promise<Built> {
  const path = join(dir, name);
  let cached: Built | null = null;
  return async () => {
    const info = await stat(path).catch(() => null);
    if (info === null || !info.isFile()) {
      throw new ApiError(
        'AGENT_DOWNLOAD_MISSING',
        `this portal has no agent download (${name} is not built): run \`npm run build\` where the portal is installed, then retry`,
      );
    }
    if (cached === null || cached.size !== info.size || cached.mtimeMs !== info.mtimeMs) {
      const bytes = await readFile(path);
      cached = {
        size: info.size,
        mtimeMs: info.mtimeMs,
        bytes,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    }
    return cached;
  };
}

/** 304 when the client has this version, else the body with its validators. */
function answer(c: Context, file: Built, body: Buffer | string, contentType: string, suffix: string) {
  const etag = `"sha256-${file.sha256}${suffix}"`;
  c.header('etag', etag);
  // The name stays the same across versions: revalidate every time (a 304 costs nothing).
  c.header('cache-control', 'public, no-cache');
  if (
    c.req
      .header('if-none-match')
      ?.split(/\s*,\s*/)
      .includes(etag) === true
  )
    return c.body(null, 304);
  c.header('content-type', contentType);
  return c.body(typeof body === 'string' ? body : new Uint8Array(body), 200);
}

export function downloadRoutes(dir: string = defaultDownloadsDir()): RouteDef[] {
  const file = downloadFile(dir, AGENT_DOWNLOAD);
  const unit = downloadFile(dir, UNIT_DOWNLOAD);
  return [
    route({
      method: 'get',
      path: `/downloads/${AGENT_DOWNLOAD}`,
      summary:
        'The agent as one file (ES module for Node 20.19+): node cloudsiem-agent.mjs --token-file FILE',
      tag: 'Downloads',
      auth: 'public',
      errors: ['AGENT_DOWNLOAD_MISSING'],
      handler: async (c) => {
        const built = await file();
        c.header('content-disposition', `attachment; filename="${AGENT_DOWNLOAD}"`);
        c.header('x-checksum-sha256', built.sha256);
        return answer(c, built, built.bytes, 'text/javascript; charset=utf-8', '');
      },
    }),
    route({
      method: 'get',
      path: `/downloads/${AGENT_DOWNLOAD}.sha256`,
      summary: "The agent download's SHA-256, as `sha256sum -c` reads it",
      tag: 'Downloads',
      auth: 'public',
      errors: ['AGENT_DOWNLOAD_MISSING'],
      handler: async (c) => {
        const built = await file();
        return answer(c, built, `${built.sha256}  ${AGENT_DOWNLOAD}\n`, 'text/plain; charset=utf-8', '-sum');
      },
    }),
    route({
      method: 'get',
      path: `/downloads/${UNIT_DOWNLOAD}`,
      summary: 'The systemd unit of deploy/, running /opt/cloudsiem/cloudsiem-agent.mjs',
      tag: 'Downloads',
      auth: 'public',
      errors: ['AGENT_DOWNLOAD_MISSING'],
      handler: async (c) => {
        const built = await unit();
        c.header('content-disposition', `attachment; filename="${UNIT_DOWNLOAD}"`);
        return answer(c, built, built.bytes, 'text/plain; charset=utf-8', '');
      },
    }),
  ];
}
