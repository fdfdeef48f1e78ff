// The registry's exposition format (golden text, escaping, validation) and the metrics server over
// real HTTP on 127.0.0.1, port 0.
import http from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, startMetricsServer, type Health, type MetricsServer } from './metrics.ts';

describe('createRegistry', () => {
  it('renders HELP, TYPE and every series in the 0.0.4 text format', () => {
    const registry = createRegistry();
    const sent = registry.counter('cloudsiem_events_sent_total', 'CEF events sent to the SIEM.', ['type']);
    const polls = registry.counter('cloudsiem_polls_total', 'Polls of the portal.');
    const lag = registry.gauge('cloudsiem_lag_seconds', 'Age of the newest event sent.');
    const connected = registry.gauge('cloudsiem_syslog_connected', 'Whether the syslog connection is up.', [
      'protocol',
      'host',
    ]);
    sent.inc({ type: 'alert' });
    sent.inc({ type: 'activity' }, 41);
    sent.inc({ type: 'alert' }, 2);
    polls.inc();
    lag.set(undefined, 1.5);
    connected.set({ host: 'siem.example', protocol: 'tls' }, 1);

    expect(registry.render()).toBe(
      [
        '# HELP cloudsiem_events_sent_total CEF events sent to the SIEM.',
        '# TYPE cloudsiem_events_sent_total counter',
        'cloudsiem_events_sent_total{type="alert"} 3',
        'cloudsiem_events_sent_total{type="activity"} 41',
        '# HELP cloudsiem_polls_total Polls of the portal.',
        '# TYPE cloudsiem_polls_total counter',
        'cloudsiem_polls_total 1',
        '# HELP cloudsiem_lag_seconds Age of the newest event sent.',
        '# TYPE cloudsiem_lag_seconds gauge',
        'cloudsiem_lag_seconds 1.5',
        '# HELP cloudsiem_syslog_connected Whether the syslog connection is up.',
        '# TYPE cloudsiem_syslog_connected gauge',
        'cloudsiem_syslog_connected{protocol="tls",host="siem.example"} 1',
        '',
      ].join('\n'),
    );
    expect(sent.get({ type: 'activity' })).toBe(41);
    expect(sent.get({ type: 'never' })).toBe(0);
    expect(connected.get({ protocol: 'tls', host: 'siem.example' })).toBe(1);
  });

  it('exports an unlabelled counter as 0 at once, a gauge only once set, and drops a gauge set to null', () => {
    const registry = createRegistry();
    registry.counter('a_total', 'A.');
    const gauge = registry.gauge('b', 'B.');
    expect(registry.render()).toBe(
      '# HELP a_total A.\n# TYPE a_total counter\na_total 0\n# HELP b B.\n# TYPE b gauge\n',
    );
    expect(gauge.get()).toBeNull();
    gauge.set(undefined, 0);
    expect(registry.render()).toContain('\nb 0\n');
    gauge.set(undefined, null);
    expect(registry.render().endsWith('# TYPE b gauge\n')).toBe(true);
    expect(gauge.get()).toBeNull();
    expect(createRegistry().render()).toBe('');
  });

  it('prints 0 for initialLabels before any inc, then counts on the same series', () => {
    const registry = createRegistry();
    const dropped = registry.counter(
      'cloudsiem_events_dropped_total',
      'Events dropped.',
      ['type', 'reason'],
      {
        initialLabels: [
          { type: 'activity', reason: 'too_long' },
          { type: 'alert', reason: 'too_long' },
        ],
      },
    );
    expect(registry.render()).toContain(
      'cloudsiem_events_dropped_total{type="activity",reason="too_long"} 0\n' +
        'cloudsiem_events_dropped_total{type="alert",reason="too_long"} 0\n',
    );
    dropped.inc({ reason: 'too_long', type: 'alert' });
    dropped.inc({ type: 'alert', reason: 'invalid' });
    expect(
      registry
        .render()
        .split('\n')
        .filter((line) => !line.startsWith('#')),
    ).toEqual([
      'cloudsiem_events_dropped_total{type="activity",reason="too_long"} 0',
      'cloudsiem_events_dropped_total{type="alert",reason="too_long"} 1',
      'cloudsiem_events_dropped_total{type="alert",reason="invalid"} 1',
      '',
    ]);
  });

  it('escapes backslash, double quote and newline in label values, backslash and newline in HELP', () => {
    const registry = createRegistry();
    const counter = registry.counter('x_total', 'Line one\nC:\\path "quoted"', ['v']);
    counter.inc({ v: 'a\\b"c"\nd' });
    expect(registry.render()).toBe(
      '# HELP x_total Line one\\nC:\\\\path "quoted"\n# TYPE x_total counter\nx_total{v="a\\\\b\\"c\\"\\nd"} 1\n',
    );
  });

  it('formats non-finite gauge values as Prometheus spells them', () => {
    const registry = createRegistry();
    const gauge = registry.gauge('g', 'G.', ['k']);
    gauge.set({ k: 'nan' }, NaN);
    gauge.set({ k: 'up' }, Infinity);
    gauge.set({ k: 'down' }, -Infinity);
    expect(registry.render()).toContain('g{k="nan"} NaN\ng{k="up"} +Inf\ng{k="down"} -Inf\n');
  });

  it('rejects invalid metric and label names, non-_total counters and duplicates', () => {
    const registry = createRegistry();
    expect(() => registry.counter('9lives_total', 'x')).toThrow('invalid metric name "9lives_total"');
    expect(() => registry.gauge('has-dash', 'x')).toThrow('invalid metric name "has-dash"');
    expect(() => registry.gauge('', 'x')).toThrow('invalid metric name ""');
    expect(() => registry.counter('cloudsiem_events_sent', 'x')).toThrow('must end in _total');
    expect(() => registry.counter('a_total', 'x', ['bad-label'])).toThrow('invalid label name "bad-label"');
    expect(() => registry.counter('a_total', 'x', ['__reserved'])).toThrow('invalid label name "__reserved"');
    expect(() => registry.counter('a_total', 'x', ['k', 'k'])).toThrow('label k declared twice');
    registry.gauge('ns:sub_metric', 'colons are allowed');
    expect(() => registry.counter('ns:sub_metric', 'x')).toThrow('must end in _total');
    expect(() => registry.gauge('ns:sub_metric', 'x')).toThrow('ns:sub_metric is already registered');
  });

  it('rejects labels that do not match the declaration and counters going down', () => {
    const registry = createRegistry();
    const counter = registry.counter('a_total', 'A.', ['type'], {});
    expect(() => counter.inc()).toThrow('a_total: missing label type (declared labels: type)');
    expect(() => counter.inc({ type: 'x', extra: 'y' })).toThrow('unknown label extra');
    expect(() => counter.inc({ type: 'x' }, -1)).toThrow('finite amount ≥ 0');
    expect(() => counter.inc({ type: 'x' }, NaN)).toThrow('finite amount ≥ 0');
    expect(() => registry.counter('b_total', 'B.', ['type'], { initialLabels: [{ kind: 'x' }] })).toThrow(
      'b_total: unknown label kind; missing label type',
    );
    const gauge = registry.gauge('g', 'G.');
    expect(() => gauge.set({ type: 'x' }, 1)).toThrow('g: unknown label type (declared labels: none)');
    expect(registry.render()).not.toContain('a_total{');
  });

  it('runs the collect hook before each render, so gauges are computed at scrape time', () => {
    let now = 100;
    let collected = 0;
    const registry = createRegistry({
      collect: () => {
        collected += 1;
        lag.set(undefined, now - 40);
      },
    });
    const lag = registry.gauge('cloudsiem_lag_seconds', 'Lag.');
    expect(collected).toBe(0);
    expect(registry.render()).toContain('cloudsiem_lag_seconds 60\n');
    now = 250;
    expect(registry.render()).toContain('cloudsiem_lag_seconds 210\n');
    expect(collected).toBe(2);
  });
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, path: string, agent?: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startMetricsServer', () => {
  const servers: MetricsServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  async function start(
    health: () => Health = () => ({ ok: true, detail: {} }),
    onError?: (e: unknown) => void,
  ) {
    const registry = createRegistry();
    registry.counter('cloudsiem_polls_total', 'Polls.').inc();
    const server = await startMetricsServer({ port: 0, registry, health, onError });
    servers.push(server);
    return server;
  }

  it('serves GET /metrics as text/plain version 0.0.4', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    const answer = await request(server.port, 'GET', '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(answer.body).toBe(
      '# HELP cloudsiem_polls_total Polls.\n# TYPE cloudsiem_polls_total counter\ncloudsiem_polls_total 1\n',
    );
    const head = await request(server.port, 'HEAD', '/metrics?ignored=1');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers /healthz 200 with status ok and the detail', async () => {
    const server = await start(() => ({ ok: true, detail: { syslog: 'connected', lagSeconds: 2 } }));
    const answer = await request(server.port, 'GET', '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok', syslog: 'connected', lagSeconds: 2 });
  });

  it('answers /healthz 503 with status unhealthy, which a detail field cannot override', async () => {
    const server = await start(() => ({ ok: false, detail: { status: 'ok', syslog: 'disconnected' } }));
    const answer = await request(server.port, 'GET', '/healthz');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'unhealthy', syslog: 'disconnected' });
  });

  it('answers 503 / 500 without a stack when health() or a collect hook throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const registry = createRegistry({
      collect: () => {
        throw new Error('collector bug at /secret/path');
      },
    });
    const server = await startMetricsServer({
      port: 0,
      registry,
      health: () => {
        throw new Error('health bug at /secret/path');
      },
      onError: (error) => errors.push(error),
    });
    servers.push(server);
    const health = await request(server.port, 'GET', '/healthz');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toEqual({ status: 'unhealthy', error: 'health check failed' });
    const metrics = await request(server.port, 'GET', '/metrics');
    expect(metrics.status).toBe(500);
    expect(metrics.body).toBe('metrics collection failed\n');
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'health bug at /secret/path',
      'collector bug at /secret/path',
    ]);
  });

  it('answers 404 for any other path and 405 with Allow for any other method', async () => {
    const server = await start();
    for (const path of ['/', '/metrics/', '/health', '/favicon.ico']) {
      expect((await request(server.port, 'GET', path)).status).toBe(404);
    }
    expect((await request(server.port, 'POST', '/nothing')).status).toBe(404);
    for (const [method, path] of [
      ['POST', '/metrics'],
      ['DELETE', '/healthz'],
      ['PUT', '/metrics'],
    ] as const) {
      const answer = await request(server.port, method, path);
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
    }
  });

  it('rejects a port in use with a message naming it and --metrics-port', async () => {
    const first = await start();
    const error = await startMetricsServer({
      port: first.port,
      registry: createRegistry(),
      health: () => ({ ok: true, detail: {} }),
    }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(
      `cannot serve metrics on port ${first.port} (127.0.0.1:${first.port}): address already in use (EADDRINUSE); pick another port with --metrics-port`,
    );
    expect((error?.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('rejects a port out of range', async () => {
    await expect(
      startMetricsServer({
        port: 70_000,
        registry: createRegistry(),
        health: () => ({ ok: true, detail: {} }),
      }),
    ).rejects.toThrow('invalid metrics port 70000: must be 0–65535; pick another port with --metrics-port');
  });

  it('close() ends idle keep-alive connections and frees the port', async () => {
    const server = await start();
    const agent = new http.Agent({ keepAlive: true });
    try {
      const answer = await request(server.port, 'GET', '/metrics', agent);
      expect(answer.status).toBe(200);
      const [socket] = Object.values(agent.freeSockets).flat();
      expect(socket).toBeDefined();
      const socketClosed = once(socket!, 'close');
      await server.close();
      await socketClosed;
      await expect(request(server.port, 'GET', '/metrics')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
    }
  });
});
