// "Test connection" (DESIGN §9), for the admin API, the web wizard and `cloudsiem connector test`:
// one page of each stream, nothing stored, the first records with the exact CEF line each would
// become, and on failure exactly what failed (DNS, TLS, 401/403 with the permission named, throttled).
import { createActivityEncoder, createAlertEncoder, type CefActivity, type CefAlert } from '@cloudsiem/cef';
import {
  activitySchema,
  alertSchema,
  formatSettingsSchema,
  toCefSettings,
  type ConnectorSecret,
  type ConnectorSettingsByType,
  type ConnectorTestResult,
  type ConnectorType,
} from '@cloudsiem/protocol';
import { connectorRuntime, type RuntimeOptions } from './runtime.ts';
import { UpstreamError, type ConnectorDefinition, type MappedRecord } from './types.ts';

export const TEST_SAMPLES = 5;

export interface TestOptions extends RuntimeOptions {
  /** Goes into the CEF lines' portalURL, as the agents' lines will have it. */
  publicUrl: string;
  initialLookbackMs: number;
}

type Sample = ConnectorTestResult['streams'][number]['samples'][number];

/** The CEF line a mapped record becomes with the default format, or why ingest would refuse it. */
export function sampleOf(mapped: MappedRecord, dataType: 'activities' | 'alerts', publicUrl: string): Sample {
  if ('rejected' in mapped)
    return { upstreamId: mapped.upstreamId, record: null, line: null, rejected: mapped.rejected };
  const cef = toCefSettings(formatSettingsSchema.parse({}), {
    systemName: 'siem-agent-host',
    portalUrl: publicUrl,
  });
  const parsed =
    dataType === 'activities'
      ? activitySchema.safeParse(mapped.record)
      : alertSchema.safeParse(mapped.record);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
    return { upstreamId: mapped.upstreamId, record: null, line: null, rejected: reason };
  }
  const line =
    dataType === 'activities'
      ? createActivityEncoder(cef)(parsed.data as unknown as CefActivity)
      : createAlertEncoder(cef)(parsed.data as unknown as CefAlert);
  return { upstreamId: mapped.upstreamId, record: parsed.data, line, rejected: null };
}

/** The failure as the test result says it: a 401/403 names the permission the credentials lack. */
export function describeFailure(
  error: unknown,
  permissions: string,
): NonNullable<ConnectorTestResult['failure']> {
  if (error instanceof UpstreamError) {
    const needs = error.kind === 'auth' || error.kind === 'permission' ? ` — needs ${permissions}` : '';
    return { kind: error.kind, message: `${error.message}${needs}`, status: error.status };
  }
  return {
    kind: 'invalid-response',
    message: 'the upstream answered something this connector cannot read',
    status: null,
  };
}

export async function testConnection<T extends ConnectorType>(
  definition: ConnectorDefinition<T>,
  settings: ConnectorSettingsByType[T],
  secret: ConnectorSecret,
  options: TestOptions,
): Promise<ConnectorTestResult> {
  const started = options.clock.now();
  const runtime = connectorRuntime(definition, settings, options);
  const result: ConnectorTestResult = { ok: true, failure: null, streams: [], elapsedMs: 0 };
  try {
    const signal = options.signal ?? new AbortController().signal;
    for (const stream of definition.streams(settings, secret, runtime)) {
      try {
        const page = await stream.next(null, {
          clock: options.clock,
          remembered: () => Promise.resolve(new Set()),
          mode: 'test',
          initialLookbackMs: options.initialLookbackMs,
          signal,
        });
        result.streams.push({
          stream: stream.name,
          dataType: stream.dataType,
          fetched: page.records.length,
          samples: page.records
            .slice(0, TEST_SAMPLES)
            .map((r) => sampleOf(r, stream.dataType, options.publicUrl)),
        });
      } catch (error) {
        if (!(error instanceof UpstreamError))
          options.logger.error(
            { err: error, type: definition.type, stream: stream.name },
            'Connector test failed unexpectedly',
          );
        result.ok = false;
        result.failure = describeFailure(error, definition.permissions);
        break;
      }
    }
  } finally {
    await runtime.close();
  }
  result.elapsedMs = options.clock.now() - started;
  return result;
}
