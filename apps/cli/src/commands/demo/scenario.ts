import type { Progress } from '../../run/progress'
import type { OutputStream } from '../../terminal'
import type { PhaseStats } from './live-phases'
import type { MachineLoad } from './machine-load'

/** One row of the demo's summary table. */
export interface ScenarioResult {
  /** Scenario id (`--scenario` name). */
  scenario: string
  /** What the row compares, e.g. `serial vs limiter`. */
  title: string
  /** The boundkit model used, e.g. `@boundkit/limiter (16 in flight, 90/s)`. */
  model: string
  /** Wall time of the baseline, ms; null when the scenario has none (classify). */
  baselineMs: number | null
  /** Wall time of the boundkit way, ms. */
  boundkitMs: number | null
  /** baselineMs / boundkitMs. */
  speedup: number | null
  /** Items that succeeded / failed (the boundkit way). */
  ok: number
  failed: number
  /** Plain facts worth printing under the table (retries, 429s, verdicts). */
  notes: string[]
  /** Files this scenario wrote, relative to the output folder. */
  files: string[]
  /** What each client of the same batch cost (the I/O scenario: the naive one, the limiter). */
  clients?: ClientRun[]
  /**
   * How busy the machine was while the scenario ran (`null` off Linux); the demo sets it on every
   * row of the scenario.
   */
  load?: MachineLoad | null
}

/** One client's run of a batch of API calls: its time and what it cost the server. */
export interface ClientRun {
  /** How the client calls the API, e.g. `limiter: 8 in flight, Retry-After honoured`. */
  client: string
  /** Calls in flight at most (count); null when unbounded (`Promise.all`). */
  concurrency: number | null
  /** Wall time of the whole batch (ms). */
  ms: number
  /** Items that ended with an answer / that were lost after their retries (count). */
  ok: number
  failed: number
  /** HTTP requests made, retries included (count). */
  requests: number
  /** Answers with status 429 (count). */
  rateLimited: number
  /** Retries made (count). */
  retries: number
  /** Retry-After cooldowns (pauses of every call) and the time spent in them (ms); null: the client has none. */
  cooldowns: number | null
  cooldownMs: number | null
}

/** What a scenario found that a later one uses (the demo runs them in order). */
export interface DemoAdvice {
  /** classify's advice for the API call (`POST /v1/judge`), which the I/O batch follows. */
  apiCall?: { strategy: string; concurrency: number }
}

/** What every scenario gets. */
export interface DemoContext {
  /** The demo server's base URL. */
  url: string
  quick: boolean
  /** The output folder (absolute). */
  outDir: string
  /** Progress and log lines go here (stderr). */
  stream: OutputStream
  /** Prints a line of narration on `stream`. */
  log(line: string): void
  /**
   * A progress line on `stream` for `total` items; with `--dashboard` or `--report` it is also a
   * phase of the live page, which shows `stats()` (the limiter's, the pool's, the pipeline's) beside its counts.
   */
  progress(label: string, total: number, stats?: () => PhaseStats): Progress
  /** An item's latency (its first start to its end, ms) for the live page's charts; nothing without it. */
  record(ms: number): void
  /** Filled in by the scenarios that advise (classify), read by those that follow it. */
  advice: DemoAdvice
}

export interface Scenario {
  name: string
  /** Shown while the scenario runs. */
  description: string
  run(context: DemoContext): Promise<ScenarioResult[]>
}

/** Runs `fn` and returns its result with its wall time in ms. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const start = performance.now()
  const value = await fn()
  return { value, ms: performance.now() - start }
}

/** A summary row, its speedup (`baselineMs / boundkitMs`, two decimals) derived from its times. */
export function result(row: Omit<ScenarioResult, 'speedup'>): ScenarioResult {
  const { baselineMs, boundkitMs } = row
  const speedup =
    baselineMs === null || boundkitMs === null || boundkitMs <= 0
      ? null
      : Math.round((baselineMs / boundkitMs) * 100) / 100
  return { ...row, speedup }
}
