import { expected, numberOption, signalOption } from '@boundkit/internal'
import { ClassifyError, failOption } from './errors'

/**
 * The rules that turn measurements into a verdict. Every figure is a ratio or a duration, so the
 * rules hold on a busy machine. "Busy" is the share of wall time the task's thread was on a CPU or
 * ready and waiting for one (Linux: /proc/thread-self/schedstat; elsewhere the event-loop
 * utilization), so CPU-bound work reads close to 1 however loaded the machine is, and waiting on
 * I/O reads close to 0. Override any rule with `options.thresholds`.
 */
export interface Thresholds {
  /** Main-thread busy share at or above which a task is `'cpu'`. @default 0.7 */
  cpuBusy: number
  /** Main-thread busy share at or above which (and below `cpuBusy`) a task is `'mixed'`. @default 0.2 */
  mixedBusy: number
  /**
   * Busy share of the other threads at or above which a task is `'cpu-offloaded'` (libuv's thread
   * pool: async crypto, zlib), when the main thread's busy share is below `cpuBusy` and below the
   * other threads' share. @default 0.25
   */
  offloadedCpu: number
  /** A call shorter than this (ms) of CPU-bound, mixed or offloaded work gets `'inline'`. @default 1 */
  inlineBelowMs: number
  /** The knee: smallest concurrency reaching this share of the best throughput. @default 0.9 */
  kneeFraction: number
  /** The probe stops once doubling concurrency raises throughput by less than this factor. @default 1.15 */
  plateauGain: number
  /** Commands: CPU time / wall time at or above which a command is `'cpu'`. @default 0.5 */
  commandCpu: number
  /** Commands: CPU time / wall time below which a command is `'io'` (between: `'mixed'`). @default 0.15 */
  commandIo: number
}

export const defaultThresholds: Readonly<Thresholds> = Object.freeze({
  cpuBusy: 0.7,
  mixedBusy: 0.2,
  offloadedCpu: 0.25,
  inlineBelowMs: 1,
  kneeFraction: 0.9,
  plateauGain: 1.15,
  commandCpu: 0.5,
  commandIo: 0.15,
})

/** Options of `classify` and `classifyCommand`. */
export interface ClassifyOptions {
  /** Measured samples after one warm-up call. @default 3 */
  runs?: number
  /**
   * Total time classification may take, ms. Runs and probe levels that would not fit are skipped;
   * a task that has not settled when it runs out fails with `ERR_TIMEOUT`. @default 5000
   */
  timeBudget?: number
  /** Highest concurrency the probe tries (1, 2, 4, ... up to this). @default 16 */
  maxConcurrency?: number
  /**
   * A sample lasts at least this long, ms: tiny tasks are called several times in a row per sample
   * so the figures are not noise. @default 50
   */
  minSampleTime?: number
  /** Stop waiting when aborted: `ERR_ABORTED`. */
  signal?: AbortSignal
  /** Overrides of the verdict rules; see `Thresholds` for each default. */
  thresholds?: Partial<Thresholds>
}

export interface ParsedOptions {
  runs: number
  timeBudget: number
  maxConcurrency: number
  minSampleTime: number
  signal: AbortSignal | undefined
  thresholds: Thresholds
}

const ratio = { min: 0, max: 1 }

function parseThresholds(value: unknown): Thresholds {
  if (value === undefined) return { ...defaultThresholds }
  if (value === null || typeof value !== 'object') {
    failOption(expected('thresholds', 'an object', value))
  }
  const given = value as Record<string, unknown>
  const known = Object.keys(defaultThresholds)
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      failOption(`Unknown threshold \`${key}\`; known thresholds: ${known.join(', ')}`)
    }
  }
  const d = defaultThresholds
  const n = (name: keyof Thresholds, rule: Parameters<typeof numberOption>[3]) =>
    numberOption(failOption, `thresholds.${name}`, given[name], rule, d[name])
  const result: Thresholds = {
    cpuBusy: n('cpuBusy', ratio),
    mixedBusy: n('mixedBusy', ratio),
    offloadedCpu: n('offloadedCpu', { min: 0 }),
    inlineBelowMs: n('inlineBelowMs', { min: 0 }),
    kneeFraction: n('kneeFraction', { min: 0.01, max: 1 }),
    plateauGain: n('plateauGain', { min: 1 }),
    commandCpu: n('commandCpu', { min: 0 }),
    commandIo: n('commandIo', { min: 0 }),
  }
  if (result.mixedBusy > result.cpuBusy) {
    failOption(
      `Expected \`thresholds.mixedBusy\` (${result.mixedBusy}) to be <= \`thresholds.cpuBusy\` (${result.cpuBusy})`,
    )
  }
  if (result.commandIo > result.commandCpu) {
    failOption(
      `Expected \`thresholds.commandIo\` (${result.commandIo}) to be <= \`thresholds.commandCpu\` (${result.commandCpu})`,
    )
  }
  return result
}

export function parseOptions(options: unknown): ParsedOptions {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') failOption(expected('options', 'an object', options))
  const o = options as Record<string, unknown>
  return {
    runs: numberOption(failOption, 'runs', o.runs, { integer: true, min: 1, max: 1000 }, 3),
    timeBudget: numberOption(failOption, 'timeBudget', o.timeBudget, { min: 1 }, 5000),
    maxConcurrency: numberOption(
      failOption,
      'maxConcurrency',
      o.maxConcurrency,
      { integer: true, min: 1, max: 1024 },
      16,
    ),
    minSampleTime: numberOption(failOption, 'minSampleTime', o.minSampleTime, { min: 0 }, 50),
    signal: signalOption(failOption, 'signal', o.signal),
    thresholds: parseThresholds(o.thresholds),
  }
}

export function checkTask(fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new ClassifyError('ERR_INVALID_OPTION', expected('fn', 'a function', fn))
  }
}

export function parseMeasureOptions(
  fn: unknown,
  options: unknown,
): { timeout: number; signal: AbortSignal | undefined } {
  checkTask(fn)
  if (options === null || typeof options !== 'object') failOption(expected('options', 'an object', options))
  const o = options as Record<string, unknown>
  return {
    timeout: numberOption(failOption, 'timeout', o.timeout, { min: 1 }, 60_000),
    signal: signalOption(failOption, 'signal', o.signal),
  }
}
