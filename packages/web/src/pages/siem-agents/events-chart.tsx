// A small line chart in SVG, no chart library: events sent per minute per data type over a time
// range, sized to its container, with a table of the same numbers for screen readers. Hovering or
// focusing it shows the nearest heartbeat's time and values (arrow keys move between heartbeats).
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

/** An axis label: minutes, or seconds too when the span is short (a young agent's chart). */
export function axisTime(ms: number, spanMs: number): string {
  if (spanMs >= 10 * 60_000) return formatClock(ms);
  return `${formatClock(ms)}:${String(new Date(ms).getSeconds()).padStart(2, '0')}`;
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
  const tooltipId = useId();
  /**
   * The heartbeat shown in the tooltip, by its time (not its index: a refresh that adds a point
   * must not move the tooltip to another heartbeat), or null.
   */
  const [activeAt, setActiveAt] = useState<number | null>(null);
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

  /** The heartbeats in the range with a value in any series, oldest first: what the tooltip steps through. */
  const times = [
    ...new Set(series.flatMap((s) => s.points.flatMap((p) => (p === null || p.at < from ? [] : [p.at])))),
  ].sort((a, b) => a - b);
  const shown = activeAt !== null && times.includes(activeAt) ? activeAt : undefined;

  /** The time of the heartbeat nearest the pointer's x. */
  const nearest = (clientX: number, svg: SVGSVGElement): number | null => {
    const px = clientX - svg.getBoundingClientRect().left;
    let best: number | null = null;
    for (const t of times) if (best === null || Math.abs(x(t) - px) < Math.abs(x(best) - px)) best = t;
    return best;
  };

  const onKeyDown = (event: React.KeyboardEvent<SVGSVGElement>) => {
    if (times.length === 0) return;
    const last = times.length - 1;
    const current = shown === undefined ? last : times.indexOf(shown);
    const next =
      event.key === 'ArrowLeft'
        ? Math.max(0, current - 1)
        : event.key === 'ArrowRight'
          ? Math.min(last, current + 1)
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : undefined;
    if (event.key === 'Escape') setActiveAt(null);
    if (next === undefined) return;
    event.preventDefault();
    setActiveAt(times[next] ?? null);
  };

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
      <svg
        width={width}
        height={HEIGHT}
        role="img"
        aria-labelledby={titleId}
        aria-describedby={shown === undefined ? undefined : tooltipId}
        className="chart-svg"
        // Focusable only with something to show: the keyboard's way to the values on hover.
        tabIndex={hasData ? 0 : undefined}
        onFocus={() => setActiveAt((at) => at ?? times.at(-1) ?? null)}
        onBlur={() => setActiveAt(null)}
        onKeyDown={onKeyDown}
        onMouseMove={(e) => setActiveAt(nearest(e.clientX, e.currentTarget))}
        onMouseLeave={(e) => {
          if (document.activeElement !== e.currentTarget) setActiveAt(null);
        }}
      >
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
            {axisTime(t, to - from)}
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
        {shown === undefined ? null : (
          <line x1={x(shown)} x2={x(shown)} y1={PAD.top} y2={PAD.top + plotH} className="chart-cursor" />
        )}
        {hasData ? null : (
          <text x={PAD.left + plotW / 2} y={PAD.top + plotH / 2} textAnchor="middle" className="chart-empty">
            {empty}
          </text>
        )}
      </svg>
      {shown === undefined ? null : (
        <div
          id={tooltipId}
          role="tooltip"
          className="chart-tooltip"
          // Beside the cursor line, on whichever side has room.
          style={
            x(shown) > width / 2
              ? { right: `${width - x(shown) + 8}px`, top: `${PAD.top}px` }
              : { left: `${x(shown) + 8}px`, top: `${PAD.top}px` }
          }
        >
          <div className="chart-tooltip-time">{formatExact(shown)}</div>
          {series.map((s) => {
            const point = s.points.find((p) => p?.at === shown);
            return (
              <div key={s.label}>
                <span className={`chart-swatch ${s.className}`} aria-hidden="true" />
                {s.label}: {point ? `${fmt(point.perMinute)} per minute` : 'no value'}
              </div>
            );
          })}
        </div>
      )}
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
