// A small line chart in SVG, no chart library: events sent per minute per data type over a time
// range, sized to its container, with a table of the same numbers for screen readers.
import { useEffect, useId, useRef, useState } from 'react';
import { formatClock, formatExact } from '../../time.ts';
import type { RatePoint } from './heartbeat-history.ts';

export interface Series {
  label: string;
  className: string;
  points: readonly (RatePoint | null)[];
}

const HEIGHT = 200;
const PAD = { top: 12, right: 12, bottom: 28, left: 48 };

/** A round axis maximum at or above `max`: 1, 2, 5 × 10ⁿ. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exponent = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * exponent >= max) return step * exponent;
  return 10 * exponent;
}

function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setWidth(Math.max(240, Math.floor(entry.contentRect.width)));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

const fmt = (n: number) =>
  Number.isInteger(n) || n >= 10 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);

export function EventsChart({
  series,
  from,
  to,
  empty = 'No heartbeats in this time range',
}: {
  series: readonly Series[];
  from: number;
  to: number;
  /** What the chart says when it has no point to draw. */
  empty?: string;
}) {
  const [ref, width] = useWidth();
  const titleId = useId();
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p?.perMinute ?? 0))));
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const xTicks = Array.from({ length: 5 }, (_, i) => from + ((to - from) * i) / 4);
  const yTicks = [0, max / 2, max];
  const hasData = series.some((s) => s.points.some((p) => p !== null));
  const peaks = series.map(
    (s) => `${s.label} up to ${fmt(Math.max(0, ...s.points.map((p) => p?.perMinute ?? 0)))} per minute`,
  );

  /** Each run of points between silences becomes one path. */
  const paths = (points: readonly (RatePoint | null)[]) => {
    const runs: string[] = [];
    let current: string[] = [];
    for (const p of points) {
      if (p === null || p.at < from) {
        if (current.length > 0) runs.push(current.join(' '));
        current = [];
        continue;
      }
      current.push(`${current.length === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.perMinute).toFixed(1)}`);
    }
    if (current.length > 0) runs.push(current.join(' '));
    return runs;
  };

  return (
    <div className="chart" ref={ref}>
      <ul className="chart-legend">
        {series.map((s) => (
          <li key={s.label}>
            <span className={`chart-swatch ${s.className}`} aria-hidden="true" />
            {s.label}
          </li>
        ))}
      </ul>
      <svg width={width} height={HEIGHT} role="img" aria-labelledby={titleId} className="chart-svg">
        <title id={titleId}>
          {hasData
            ? `Events sent per minute from ${formatExact(from)} to ${formatExact(to)}: ${peaks.join('; ')}.`
            : `${empty}.`}
        </title>
        {yTicks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="chart-label">
              {fmt(v)}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text
            key={t}
            x={x(t)}
            y={HEIGHT - 8}
            textAnchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}
            className="chart-label"
          >
            {formatClock(t)}
          </text>
        ))}
        {series.map((s) =>
          paths(s.points).map((d, i) => (
            <path key={`${s.label}-${i}`} d={d} className={`chart-line ${s.className}`} />
          )),
        )}
        {series.map((s) =>
          s.points.map((p, i) =>
            p === null || p.at < from ? null : (
              <circle
                key={`${s.label}-dot-${i}`}
                cx={x(p.at)}
                cy={y(p.perMinute)}
                r={2.5}
                className={`chart-dot ${s.className}`}
              />
            ),
          ),
        )}
        {hasData ? null : (
          <text x={PAD.left + plotW / 2} y={PAD.top + plotH / 2} textAnchor="middle" className="chart-empty">
            {empty}
          </text>
        )}
      </svg>
      {hasData ? (
        <details className="chart-data">
          <summary>Show the numbers</summary>
          <table className="table table-compact">
            <caption className="visually-hidden">Events sent per minute</caption>
            <thead>
              <tr>
                <th scope="col">Heartbeat</th>
                {series.map((s) => (
                  <th key={s.label} scope="col">
                    {s.label} per minute
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {[...new Set(series.flatMap((s) => s.points.flatMap((p) => (p === null ? [] : [p.at]))))]
                .sort((a, b) => b - a)
                .slice(0, 200)
                .map((at) => (
                  <tr key={at}>
                    <td>{formatExact(at)}</td>
                    {series.map((s) => {
                      const point = s.points.find((p) => p?.at === at);
                      return <td key={s.label}>{point ? fmt(point.perMinute) : '—'}</td>;
                    })}
                  </tr>
                ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}
