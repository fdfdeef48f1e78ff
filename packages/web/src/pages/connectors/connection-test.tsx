// A connection test's answer (DESIGN §9, POST …/test): exactly what failed — the kind, the HTTP
// status and the upstream's message (DNS, TLS, 401/403 with the missing permission named,
// throttled) — or the first records of each stream and the exact CEF line each becomes, with the
// records that would be rejected and why.
import type { ConnectorTestResult } from '@cloudsiem/protocol';
import { useEffect, useRef } from 'react';
import { CefSamples, summaryOf } from '../../components/cef-samples.tsx';
import { FAILURE_TITLES } from './connector-labels.ts';

export type TestState =
  { state: 'running' } | { state: 'done'; result: ConnectorTestResult } | { state: 'error'; message: string };

function Streams({ result }: { result: ConnectorTestResult }) {
  return (
    <>
      {result.streams.map((s) => (
        <section key={s.stream} className="test-stream" aria-label={`Stream ${s.stream}`}>
          <h4>
            {s.stream}
            {s.stream === s.dataType ? null : <span className="muted"> ({s.dataType})</span>}
          </h4>
          <p className="muted">
            {s.fetched === 0
              ? 'No records on the first page: nothing happened upstream in the window yet.'
              : `${s.fetched.toLocaleString('en-US')} ${s.fetched === 1 ? 'record' : 'records'} on the first page; ${
                  s.samples.length < s.fetched ? `the first ${s.samples.length}, each` : 'each'
                } with the exact CEF line your SIEM will receive:`}
          </p>
          <CefSamples
            samples={s.samples.map((sample) => ({
              key: sample.upstreamId,
              summary:
                sample.record === null
                  ? `Upstream record ${sample.upstreamId}`
                  : summaryOf(s.dataType, sample.record as Record<string, unknown>),
              line: sample.line,
              rejected: sample.rejected,
            }))}
          />
        </section>
      ))}
    </>
  );
}

export function ConnectionTest({ test }: { test: TestState }) {
  const ref = useRef<HTMLElement>(null);
  // The answer may open below the fold of a long dialog: bring its start into view.
  useEffect(() => {
    if (test.state !== 'running') ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [test.state]);
  return (
    <section ref={ref} className="preview" aria-label="Connection test" aria-busy={test.state === 'running'}>
      {test.state === 'running' ? (
        <p className="muted">Testing the connection: fetching one page of each stream…</p>
      ) : null}
      {test.state === 'error' ? (
        <p role="alert" className="error-text">
          The test could not run: {test.message}
        </p>
      ) : null}
      {test.state === 'done' ? (
        <>
          {test.result.failure !== null ? (
            <div className="test-failure" role="alert">
              <h4>{FAILURE_TITLES[test.result.failure.kind]}</h4>
              <p>
                {test.result.failure.status === null ? null : (
                  <strong>HTTP {test.result.failure.status}: </strong>
                )}
                {test.result.failure.message}
              </p>
              <p className="muted">
                Failure kind <span className="mono">{test.result.failure.kind}</span>, after{' '}
                {test.result.elapsedMs} ms.
              </p>
            </div>
          ) : (
            <p className="test-success" role="status">
              Connected: the upstream answered in {test.result.elapsedMs} ms. Nothing was stored.
            </p>
          )}
          <Streams result={test.result} />
        </>
      ) : null}
    </section>
  );
}
