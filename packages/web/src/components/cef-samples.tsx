// Records and the exact CEF line each becomes, one under the other in monospace: the agent
// wizard's filter preview and the connector test's first records. A record that could not be
// mapped shows why instead of a line.
import type { DataType } from '@cloudsiem/protocol';
import { formatExact } from '../time.ts';

export interface CefSample {
  key: string;
  summary: string;
  line: string | null;
  /** Why the record was rejected (it is counted, not stored). */
  rejected?: string | null;
}

/** One line about a record: time · activity type or policy (severity) · user · app. */
export function summaryOf(dataType: DataType, event: Record<string, unknown>): string {
  const text = (key: string) => (typeof event[key] === 'string' && event[key] !== '' ? event[key] : null);
  const time = typeof event.timestamp === 'number' ? formatExact(event.timestamp) : '';
  const what =
    dataType === 'activities' ? text('action') : `${text('policyName') ?? ''} (${text('severity') ?? ''})`;
  return [time, what, text('user'), text('appName')].filter((p) => p !== null && p !== '').join(' · ');
}

export function CefSamples({ samples }: { samples: readonly CefSample[] }) {
  return (
    <ol className="preview-events">
      {samples.map((sample) => (
        <li key={sample.key}>
          <p className="preview-event">{sample.summary}</p>
          {sample.line === null ? null : (
            <pre className="cef">
              <code>{sample.line}</code>
            </pre>
          )}
          {sample.rejected ? <p className="field-error">Rejected: {sample.rejected}</p> : null}
        </li>
      ))}
    </ol>
  );
}
