// Benchmark helpers: run a measurement several times and report median, min and max.
// Benchmarks print numbers; they never pass or fail on time (timings belong here, not in tests).

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Runs `measure` `runs` times (after one warm-up run) and returns the rates it reported. */
export async function repeat(runs: number, measure: () => number | Promise<number>): Promise<Stats> {
  await measure();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure());
  return stats(samples);
}

export function formatRate(s: Stats, unit: string): string {
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  return `median ${f(s.median)} ${unit}/s (min ${f(s.min)}, max ${f(s.max)})`;
}
