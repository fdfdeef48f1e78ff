// A small metrics registry rendered in the Prometheus text exposition format 0.0.4, and the agent's
// --metrics-port HTTP server (GET /metrics, GET /healthz) on node:http, without a client library.
import http from 'node:http';
import type net from 'node:net';

export type Labels = Record<string, string>;

export interface Counter {
  /** Adds `by` (default 1, must be finite and ≥ 0) to the series of `labels`. */
  inc(labels?: Labels, by?: number): void;
  /** The series' value; 0 for a series never incremented. */
  get(labels?: Labels): number;
}

export interface Gauge {
  /** Sets the series of `labels`; null removes it, so it is not exported until set again. */
  set(labels: Labels | undefined, value: number | null): void;
  /** The series' value; null when never set (or set to null). */
  get(labels?: Labels): number | null;
}

export interface CounterOptions {
  /** Label sets exported as 0 before any inc(), so dashboards and rate() see the series from the start. */
  initialLabels?: Labels[];
}

export interface Registry {
  /** A counter; the name must end in `_total`. Throws on an invalid or already registered name. */
  counter(name: string, help: string, labelNames?: readonly string[], options?: CounterOptions): Counter;
  /** A gauge; exported only once set. Throws on an invalid or already registered name. */
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  /** Runs the collect hook, then renders every metric in registration order. */
  render(): string;
}

export interface RegistryOptions {
  /** Runs before each render, e.g. to set gauges computed at scrape time (lag, queue depth). */
  collect?: () => void;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  values: string[];
  value: number;
}

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labelNames: readonly string[];
  series: Map<string, Series>;
}

function checkDeclaration(name: string, labelNames: readonly string[], type: Metric['type']): void {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw new Error(`invalid metric name ${JSON.stringify(name)}: must match ${METRIC_NAME.source}`);
  }
  if (type === 'counter' && !name.endsWith('_total')) {
    throw new Error(`invalid counter name ${name}: a counter's name must end in _total`);
  }
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (typeof label !== 'string' || !LABEL_NAME.test(label) || label.startsWith('__')) {
      throw new Error(
        `invalid label name ${JSON.stringify(label)} on ${name}: must match ${LABEL_NAME.source} and not start with __`,
      );
    }
    if (seen.has(label)) throw new Error(`label ${label} declared twice on ${name}`);
    seen.add(label);
  }
}

/** The label values in declaration order; throws when `labels` does not match the declared names. */
function valuesOf(metric: Metric, labels: Labels | undefined): string[] {
  const given = labels ?? {};
  const problems: string[] = [];
  for (const key of Object.keys(given)) {
    if (!metric.labelNames.includes(key)) problems.push(`unknown label ${key}`);
  }
  const values = metric.labelNames.map((label) => {
    const value = Object.hasOwn(given, label) ? given[label] : undefined;
    if (value === undefined) problems.push(`missing label ${label}`);
    else if (typeof value !== 'string') problems.push(`label ${label} must be a string`);
    return String(value);
  });
  if (problems.length > 0) {
    const declared = metric.labelNames.length === 0 ? 'none' : metric.labelNames.join(', ');
    throw new Error(`${metric.name}: ${problems.join('; ')} (declared labels: ${declared})`);
  }
  return values;
}

const keyOf = (values: string[]): string => JSON.stringify(values);

// HELP text escapes backslash and newline; label values also escape the double quote.
const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabelValue = (text: string): string =>
  text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function renderMetric(metric: Metric): string[] {
  const lines = [`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${metric.type}`];
  for (const { values, value } of metric.series.values()) {
    const labels =
      values.length === 0
        ? ''
        : `{${values.map((v, i) => `${metric.labelNames[i]}="${escapeLabelValue(v)}"`).join(',')}}`;
    lines.push(`${metric.name}${labels} ${formatValue(value)}`);
  }
  return lines;
}

export function createRegistry(options: RegistryOptions = {}): Registry {
  const metrics = new Map<string, Metric>();

  const declare = (
    name: string,
    help: string,
    labelNames: readonly string[],
    type: Metric['type'],
  ): Metric => {
    checkDeclaration(name, labelNames, type);
    if (metrics.has(name)) throw new Error(`metric ${name} is already registered`);
    const metric: Metric = { name, help: String(help), type, labelNames: [...labelNames], series: new Map() };
    metrics.set(name, metric);
    return metric;
  };

  return {
    counter(name, help, labelNames = [], counterOptions = {}) {
      const metric = declare(name, help, labelNames, 'counter');
      const seriesOf = (labels: Labels | undefined): Series => {
        const values = valuesOf(metric, labels);
        const key = keyOf(values);
        let series = metric.series.get(key);
        if (series === undefined) {
          series = { values, value: 0 };
          metric.series.set(key, series);
        }
        return series;
      };
      // An unlabelled counter has exactly one series, exported as 0 from the start.
      if (metric.labelNames.length === 0) seriesOf(undefined);
      for (const labels of counterOptions.initialLabels ?? []) seriesOf(labels);
      return {
        inc(labels, by = 1) {
          if (typeof by !== 'number' || !Number.isFinite(by) || by < 0) {
            throw new Error(`${name}: a counter only goes up by a finite amount ≥ 0, got ${by}`);
          }
          seriesOf(labels).value += by;
        },
        get(labels) {
          return metric.series.get(keyOf(valuesOf(metric, labels)))?.value ?? 0;
        },
      };
    },

    gauge(name, help, labelNames = []) {
      const metric = declare(name, help, labelNames, 'gauge');
      return {
        set(labels, value) {
          const values = valuesOf(metric, labels);
          const key = keyOf(values);
          if (value === null) {
            metric.series.delete(key);
            return;
          }
          if (typeof value !== 'number') throw new Error(`${name}: a gauge value must be a number or null`);
          const series = metric.series.get(key);
          if (series === undefined) metric.series.set(key, { values, value });
          else series.value = value;
        },
        get(labels) {
          return metric.series.get(keyOf(valuesOf(metric, labels)))?.value ?? null;
        },
      };
    },

    render() {
      options.collect?.();
      const lines = [...metrics.values()].flatMap(renderMetric);
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    },
  };
}

export interface Health {
  ok: boolean;
  /** Merged into the /healthz JSON body beside `status`. */
  detail: Record<string, unknown>;
}

export interface MetricsServerOptions {
  port: number;
  /** Default 127.0.0.1: metrics stay on the host unless asked otherwise. */
  host?: string;
  registry: Pick<Registry, 'render'>;
  health: () => Health;
  /** A collect hook or health() that threw (answered 500 / 503 without detail); for the caller's log. */
  onError?: (error: unknown) => void;
}

export interface MetricsServer {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /** Stops listening and closes idle keep-alive connections; resolves once every connection is gone. */
  close(): Promise<void>;
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this host',
};

function listenError(host: string, port: number, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code !== undefined && LISTEN_REASONS[code] !== undefined
      ? `${LISTEN_REASONS[code]} (${code})`
      : error instanceof Error
        ? error.message
        : String(error);
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Error(
    `cannot serve metrics on port ${port} (${address}): ${reason}; pick another port with --metrics-port`,
    { cause: error },
  );
}

const ALLOW = 'GET, HEAD';

function send(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    // A scrape or probe must see the value of now, never a cached one.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  // Node leaves the body out of a HEAD response by itself.
  res.end(body);
}

function pathOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const { port, registry, health } = options;
  const onError = options.onError ?? (() => {});
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`invalid metrics port ${port}: must be 0–65535; pick another port with --metrics-port`);
  }

  const routes: Record<string, (res: http.ServerResponse) => void> = {
    '/metrics': (res) => {
      let body: string;
      try {
        body = registry.render();
      } catch (error) {
        onError(error);
        send(res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
        return;
      }
      send(res, 200, METRICS_CONTENT_TYPE, body);
    },
    '/healthz': (res) => {
      let status: number;
      let body: string;
      try {
        const { ok, detail } = health();
        const state = ok ? 'ok' : 'unhealthy';
        // Spread first so `status` comes first, then assign so a detail field cannot override it.
        const json: Record<string, unknown> = { status: state, ...detail };
        json.status = state;
        body = JSON.stringify(json);
        status = ok ? 200 : 503;
      } catch (error) {
        onError(error);
        body = JSON.stringify({ status: 'unhealthy', error: 'health check failed' });
        status = 503;
      }
      send(res, status, 'application/json; charset=utf-8', body);
    },
  };

  const server = http.createServer((req, res) => {
    // A body on a GET is ignored; reading it keeps the keep-alive connection usable.
    req.resume();
    const path = pathOf(req.url);
    const route = path === null ? undefined : routes[path];
    if (route === undefined) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics or /healthz\n');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: ALLOW });
    } else {
      route(res);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(host, port, error)));
    server.listen(port, host, () => resolve());
  });
  // After listening, errors belong to single connections (clientError answers 400 by itself).
  server.on('error', onError);

  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would otherwise hold close() for its idle timeout.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
