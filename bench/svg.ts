// The cost curves as a hand-written SVG (no dependency): small multiples, one panel per metric,
// the table's size on a log axis, one line per store (SQLite, PostgreSQL).
import type { CurveStore } from './curves.ts';

interface Series {
  store: string;
  points: { x: number; y: number }[];
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const WIDTH = 300;
const HEIGHT = 200;
const MARGIN = { left: 52, right: 12, top: 28, bottom: 34 };
const COLORS: Record<string, string> = { SQLite: '#1f77b4', PostgreSQL: '#d62728' };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function short(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return `${+n.toFixed(1)}`;
}

function panel(p: Panel, x0: number, y0: number): string {
  const points = p.series.flatMap((s) => s.points);
  if (points.length === 0) return '';
  const xs = points.map((q) => Math.log10(q.x));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...points.map((q) => q.y)) * 1.1 || 1;
  const w = WIDTH - MARGIN.left - MARGIN.right;
  const h = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) =>
    x0 + MARGIN.left + (xMax === xMin ? w / 2 : ((Math.log10(x) - xMin) / (xMax - xMin)) * w);
  const sy = (y: number) => y0 + MARGIN.top + h - (y / yMax) * h;
  const out = [
    `<text x="${x0 + MARGIN.left}" y="${y0 + 16}" font-size="12" font-weight="bold">${escape(p.title)} (${escape(p.unit)})</text>`,
    `<line x1="${x0 + MARGIN.left}" y1="${y0 + MARGIN.top + h}" x2="${x0 + MARGIN.left + w}" y2="${y0 + MARGIN.top + h}" stroke="#888"/>`,
    `<line x1="${x0 + MARGIN.left}" y1="${y0 + MARGIN.top}" x2="${x0 + MARGIN.left}" y2="${y0 + MARGIN.top + h}" stroke="#888"/>`,
  ];
  for (const t of [0, 0.5, 1]) {
    const y = yMax * t;
    out.push(
      `<text x="${x0 + MARGIN.left - 4}" y="${sy(y) + 4}" font-size="10" text-anchor="end">${short(y)}</text>`,
    );
  }
  const distinct = [...new Set(points.map((q) => q.x))];
  const ticks =
    distinct.length <= 6
      ? distinct
      : distinct.filter((x) => Number.isInteger(Math.log10(x)) || x === Math.max(...distinct));
  for (const x of ticks) {
    out.push(
      `<text x="${sx(x)}" y="${y0 + MARGIN.top + h + 14}" font-size="10" text-anchor="middle">${short(x)}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + MARGIN.left + w / 2}" y="${y0 + HEIGHT - 4}" font-size="10" text-anchor="middle">rows in the table (log)</text>`,
  );
  for (const s of p.series) {
    const color = COLORS[s.store] ?? '#333';
    const path = s.points
      .map((q, i) => `${i === 0 ? 'M' : 'L'}${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const q of s.points)
      out.push(`<circle cx="${sx(q.x).toFixed(1)}" cy="${sy(q.y).toFixed(1)}" r="2.5" fill="${color}"/>`);
  }
  return out.join('\n');
}

/** Six panels: whole path, agent peak RSS, pull p50/p99, list p50/p99, ingest as the table grows. */
export function curvesSvg(stores: readonly CurveStore[]): string {
  const each = (y: (point: CurveStore['points'][number]) => number | null): Series[] =>
    stores.map((s) => ({
      store: s.store,
      points: s.points.flatMap((p) => {
        const value = y(p);
        return value === null ? [] : [{ x: p.size, y: value }];
      }),
    }));
  const panels: Panel[] = [
    { title: 'whole path', unit: 'events/s', series: each((p) => p.wholePathEventsPerS) },
    { title: 'cloudsiem agent peak RSS', unit: 'MB', series: each((p) => p.agentPeakRssMB) },
    {
      title: 'ingest as the table grows',
      unit: 'activities/s',
      series: stores.map((s) => ({
        store: s.store,
        points: s.ingest.map((i) => ({ x: i.size, y: i.eventsPerS })),
      })),
    },
    { title: 'pull page of 1,000, p50', unit: 'ms', series: each((p) => p.pullMs.p50) },
    { title: 'pull page of 1,000, p99', unit: 'ms', series: each((p) => p.pullMs.p99) },
    { title: 'list page of 1,000 (filter), p99', unit: 'ms', series: each((p) => p.listMs.p99) },
  ];
  const columns = 3;
  const rows = Math.ceil(panels.length / columns);
  const legend = stores
    .map(
      (s, i) =>
        `<rect x="${10 + i * 110}" y="${rows * HEIGHT + 8}" width="12" height="12" fill="${COLORS[s.store] ?? '#333'}"/>` +
        `<text x="${26 + i * 110}" y="${rows * HEIGHT + 18}" font-size="11">${escape(s.store)}</text>`,
    )
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * WIDTH}" height="${rows * HEIGHT + 28}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => panel(p, (i % columns) * WIDTH, Math.floor(i / columns) * HEIGHT)),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
