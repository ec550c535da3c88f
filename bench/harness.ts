/**
 * The benchmark harness every package's `bench/*.bench.ts` uses. A benchmark compares cases (boundkit
 * and the peers a user would pick instead) in one process run: each case runs `runs` times, with the
 * cases interleaved in rotating order so machine noise falls on all of them alike, and the table gives
 * medians and ratios (case / baseline). Peak RSS is sampled while each case runs.
 */
import { cpus } from 'node:os'

export interface BenchContext {
  /** `pnpm bench --quick`: prove the benchmark runs; numbers are not meaningful. */
  quick: boolean
  /** `full` normally, `quick` under --quick. */
  scale<T>(full: T, quick: T): T
}

/** What a case may report besides its wall time. */
export interface CaseResult {
  /** Items processed: gives a throughput column (items/s). */
  items?: number
  /** Extra figures for the table, e.g. `{ 'lines/s': 250000 }`; medians are reported. */
  metrics?: Record<string, number>
}

export type CaseFn = (ctx: BenchContext) => Promise<CaseResult | undefined> | CaseResult | undefined

export interface Benchmark {
  title: string
  /** One or two sentences: what is measured, and what the target is. */
  description?: string
  /** Case whose time is the denominator of the ratio column. */
  baseline?: string
  /** Measured runs per case. @default 5 */
  runs?: number
  /** Measured runs per case under --quick. @default 1 */
  quickRuns?: number
  /** Unmeasured runs of each case first. @default 1 (0 under --quick) */
  warmup?: number
  cases: Record<string, CaseFn>
  setup?: (ctx: BenchContext) => Promise<void> | void
  teardown?: (ctx: BenchContext) => Promise<void> | void
}

export interface CaseSummary {
  name: string
  runs: number
  medianMs: number
  minMs: number
  maxMs: number
  itemsPerSec?: number
  peakRssMb: number
  /** Median time / the baseline's median time. */
  ratio?: number
  /** Items/s / the baseline's items/s: the fair comparison when cases process different counts. */
  throughputRatio?: number
  metrics: Record<string, number>
}

export function benchmark(definition: Benchmark): Benchmark {
  return definition
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function collectGarbage(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

async function measure(fn: CaseFn, ctx: BenchContext) {
  collectGarbage()
  let peak = process.memoryUsage.rss()
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 10)
  const start = performance.now()
  try {
    const result = (await fn(ctx)) ?? {}
    const ms = performance.now() - start
    peak = Math.max(peak, process.memoryUsage.rss())
    return { ms, peakRss: peak, result }
  } finally {
    clearInterval(sampler)
  }
}

export async function runBenchmark(definition: Benchmark, quick: boolean): Promise<CaseSummary[]> {
  const ctx: BenchContext = { quick, scale: (full, small) => (quick ? small : full) }
  const names = Object.keys(definition.cases)
  const runs = quick ? (definition.quickRuns ?? 1) : (definition.runs ?? 5)
  const warmup = quick ? 0 : (definition.warmup ?? 1)
  const samples = new Map(names.map((name) => [name, [] as Awaited<ReturnType<typeof measure>>[]]))
  await definition.setup?.(ctx)
  try {
    for (let round = -warmup; round < runs; round++) {
      const offset = ((round % names.length) + names.length) % names.length
      const order = [...names.slice(offset), ...names.slice(0, offset)]
      for (const name of order) {
        const sample = await measure(definition.cases[name]!, ctx)
        if (round >= 0) samples.get(name)!.push(sample)
      }
    }
  } finally {
    await definition.teardown?.(ctx)
  }
  const summaries = names.map((name): CaseSummary => {
    const list = samples.get(name)!
    const times = list.map((s) => s.ms)
    const medianMs = median(times)
    const items = list[0]?.result.items
    const metricNames = [...new Set(list.flatMap((s) => Object.keys(s.result.metrics ?? {})))]
    return {
      name,
      runs: list.length,
      medianMs,
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      itemsPerSec: items === undefined ? undefined : (items / medianMs) * 1000,
      peakRssMb: median(list.map((s) => s.peakRss)) / 2 ** 20,
      metrics: Object.fromEntries(
        metricNames.map((m) => [m, median(list.map((s) => s.result.metrics?.[m] ?? Number.NaN))]),
      ),
    }
  })
  const base = summaries.find((s) => s.name === definition.baseline)
  if (base) {
    for (const s of summaries) {
      s.ratio = s.medianMs / base.medianMs
      if (s.itemsPerSec !== undefined && base.itemsPerSec !== undefined) {
        s.throughputRatio = s.itemsPerSec / base.itemsPerSec
      }
    }
  }
  return summaries
}

function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || Number.isNaN(value)) return ''
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(value < 10 ? Math.max(digits, 2) : digits)
}

export function markdownTable(definition: Benchmark, summaries: CaseSummary[]): string {
  const metricNames = [...new Set(summaries.flatMap((s) => Object.keys(s.metrics)))]
  const hasItems = summaries.some((s) => s.itemsPerSec !== undefined)
  const hasThroughputRatio = summaries.some((s) => s.throughputRatio !== undefined)
  const head = [
    'case',
    'median ms',
    'min ms',
    'max ms',
    ...(hasItems ? ['items/s'] : []),
    ...metricNames,
    'peak RSS MB',
    ...(definition.baseline ? [`time ratio vs ${definition.baseline}`] : []),
    ...(hasThroughputRatio ? [`throughput ratio vs ${definition.baseline}`] : []),
  ]
  const rows = summaries.map((s) => [
    s.name,
    fmt(s.medianMs),
    fmt(s.minMs),
    fmt(s.maxMs),
    ...(hasItems ? [fmt(s.itemsPerSec, 0)] : []),
    ...metricNames.map((m) => fmt(s.metrics[m])),
    fmt(s.peakRssMb, 0),
    ...(definition.baseline ? [s.ratio === undefined ? '' : `${s.ratio.toFixed(2)}x`] : []),
    ...(hasThroughputRatio
      ? [s.throughputRatio === undefined ? '' : `${s.throughputRatio.toFixed(2)}x`]
      : []),
  ])
  const runs = summaries[0]?.runs ?? 0
  return [
    `### ${definition.title}`,
    '',
    ...(definition.description ? [definition.description, ''] : []),
    `Median of ${runs} run${runs === 1 ? '' : 's'} per case, cases interleaved.`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n')
}

export function machineLine(): string {
  const list = cpus()
  const model = list[0]?.model.trim() ?? 'unknown CPU'
  const date = new Date().toISOString().slice(0, 10)
  return `Node ${process.version}, ${model} x ${list.length} CPUs, ${process.platform}/${process.arch}, ${date}`
}
