// The web UI's files (packages/web/dist, built by `npm ci` / `npm run build`) at `/`: hashed assets
// cached for a year, index.html revalidated on every load, unknown non-API paths answered with
// index.html (the UI routes in the URL's hash), and a strict Content-Security-Policy on all of it.
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, MiddlewareHandler } from 'hono';

/** The UI loads only its own scripts, styles and API; no framing, no plugins, no inline script. */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Vite writes content-hashed names under assets/: a new build gets new names, so they never go stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Where the built UI is: beside the sources (packages/portal/src/routes → packages/web/dist) or
 * beside the CLI bundle (dist/cloudsiem.mjs → packages/web/dist).
 */
export function defaultWebDir(): string {
  const candidates = [
    fileURLToPath(new URL('../../../web/dist', import.meta.url)),
    fileURLToPath(new URL('../packages/web/dist', import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>cloudsiem — web UI not built</title></head>
<body>
<h1>The web UI is not built</h1>
<p>This portal serves its API, but <code>packages/web/dist</code> is missing. Build the web UI, then reload this page:</p>
<pre>npm run build</pre>
<p>(<code>npm ci</code> builds it too.) The REST API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body>
</html>
`;

function securityHeaders(c: Context): void {
  c.header('content-security-policy', WEB_CSP);
  c.header('x-content-type-options', 'nosniff');
  c.header('x-frame-options', 'DENY');
  c.header('referrer-policy', 'no-referrer');
  c.header('cross-origin-opener-policy', 'same-origin');
}

/** The file under `root` a URL path names, or null when it would leave `root` or is not a plain path. */
function fileFor(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const path = normalize(join(root, decoded));
  return path === root || path.startsWith(root + sep) ? path : null;
}

async function regularFile(path: string) {
  try {
    const info = await stat(path);
    return info.isFile() ? info : null;
  } catch {
    return null;
  }
}

/**
 * GET/HEAD of any path outside /api/ and /healthz: a file of the built UI, or index.html. Answers
 * 404 for a missing file under assets/ (a stale hashed name must not come back as HTML).
 */
export function serveWeb(webDir: string = defaultWebDir()): MiddlewareHandler {
  const root = normalize(webDir).replace(/[\\/]+$/, '');
  return async (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/api/') || path === '/api' || path === '/healthz') return next();
    securityHeaders(c);
    const index = join(root, 'index.html');
    const indexInfo = await regularFile(index);
    if (indexInfo === null) {
      c.header('cache-control', 'no-store');
      return c.html(NOT_BUILT_PAGE, 503);
    }
    let file = path === '/' ? index : fileFor(root, path);
    let info = file === null ? null : await regularFile(file);
    if (info === null) {
      if (path.startsWith('/assets/')) {
        c.header('cache-control', 'no-store');
        return c.text('Not found', 404);
      }
      file = index;
      info = indexInfo;
    }
    const target = file ?? index;
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    c.header('etag', etag);
    c.header('cache-control', path.startsWith('/assets/') && target !== index ? IMMUTABLE : 'no-cache');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('content-type', CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream');
    return c.body(await readFile(target));
  };
}
