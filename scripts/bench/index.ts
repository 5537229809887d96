import type { Config } from "../../shared/config.js";
import type { Logger } from "../../shared/logger.js";

/**
 * One benchmark: it measures a figure and, in the same run, the baseline it is judged against, so the ratio
 * stays meaningful on a noisy machine where absolute times drift.
 */
export interface Benchmark {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

export interface BenchContext {
  config: Config;
  logger: Logger;
}

export interface BenchRow {
  benchmark: string;
  figure: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  /** value / baselineValue (for rates; a time-based row inverts so that higher is better). */
  ratio: number;
  target: string;
  met: boolean;
}

const BENCHMARKS: Benchmark[] = [];

export function registerBenchmark(benchmark: Benchmark): void {
  BENCHMARKS.push(benchmark);
}

export async function runBenchmarks(config: Config, logger: Logger, only: string[]): Promise<number> {
  await import("./registry.js");
  const selected = BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name));
  if (selected.length === 0) {
    process.stderr.write(
      `no benchmark selected (registered: ${BENCHMARKS.map((b) => b.name).join(", ") || "none"})\n`,
    );
    return 2;
  }
  const rows: BenchRow[] = [];
  for (const benchmark of selected) {
    process.stderr.write(`running ${benchmark.name}...\n`);
    rows.push(...(await benchmark.run({ config, logger })));
  }
  process.stdout.write(`${formatTable(rows)}\n`);
  return 0;
}

export function formatTable(rows: BenchRow[]): string {
  const header = ["benchmark", "figure", "value", "baseline (same run)", "ratio", "target", "met"];
  const body = rows.map((r) => [
    r.benchmark,
    r.figure,
    `${fmt(r.value)} ${r.unit}`,
    `${r.baseline}: ${fmt(r.baselineValue)} ${r.unit}`,
    `${r.ratio.toFixed(2)}x`,
    r.target,
    r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...body.map(line)].join("\n");
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}
