import { expected, numberOption, optionsObject, signalOption, timeoutOption } from '@boundkit/internal'
import { invalidOption } from './errors'

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
   * Total time classification may take, ms (`>= 1`, or `Infinity` for no limit). Runs and probe
   * levels that would not fit are skipped; a task that has not settled when it runs out fails with
   * `ERR_TIMEOUT`. @default 5000
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

/** Options of `classifyCommand`: those of `classify`, plus where and how to run the command. */
export interface ClassifyCommandOptions extends ClassifyOptions {
  /** Working directory of the command. @default process.cwd() */
  cwd?: string
  /** Environment of the command. @default process.env */
  env?: NodeJS.ProcessEnv
}

/** Options of `measure`. */
export interface ClassifyMeasureOptions {
  /** Give up waiting for the task after this many ms (`>= 1`, or `Infinity`): `ERR_TIMEOUT`. @default 60000 */
  timeout?: number
  /** Stop waiting when aborted: `ERR_ABORTED`. */
  signal?: AbortSignal
}

export interface ResolvedClassifyOptions {
  runs: number
  timeBudget: number
  maxConcurrency: number
  minSampleTime: number
  signal: AbortSignal | undefined
  thresholds: Thresholds
}

export interface ResolvedCommandOptions extends ResolvedClassifyOptions {
  command: string
  args: string[]
  cwd: string | undefined
  env: NodeJS.ProcessEnv | undefined
}

const ratio = { min: 0, max: 1 }

function parseThresholds(value: unknown): Thresholds {
  if (value === undefined) return { ...defaultThresholds }
  if (value === null || typeof value !== 'object') {
    invalidOption(expected('thresholds', 'an object', value))
  }
  const given = value as Record<string, unknown>
  const known = Object.keys(defaultThresholds)
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      invalidOption(`Unknown threshold \`${key}\`; known thresholds: ${known.join(', ')}`)
    }
  }
  const d = defaultThresholds
  const n = (name: keyof Thresholds, rule: Parameters<typeof numberOption>[3]) =>
    numberOption(invalidOption, `thresholds.${name}`, given[name], rule, d[name])
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
    invalidOption(
      `Expected \`thresholds.mixedBusy\` (${result.mixedBusy}) to be <= \`thresholds.cpuBusy\` (${result.cpuBusy})`,
    )
  }
  if (result.commandIo > result.commandCpu) {
    invalidOption(
      `Expected \`thresholds.commandIo\` (${result.commandIo}) to be <= \`thresholds.commandCpu\` (${result.commandCpu})`,
    )
  }
  return result
}

/** The options object itself: `undefined` is no options; anything else must be an object. */
function optionsObjectOf(options: unknown): Partial<Record<string, unknown>> {
  return optionsObject(invalidOption, options as Record<string, unknown> | undefined)
}

/** Checks the options of `classify` (and the shared ones of `classifyCommand`), with defaults. */
export function resolveClassifyOptions(options: unknown): ResolvedClassifyOptions {
  const o = optionsObjectOf(options)
  return {
    runs: numberOption(invalidOption, 'runs', o.runs, { integer: true, min: 1, max: 1000 }, 3),
    timeBudget: timeoutOption(invalidOption, 'timeBudget', o.timeBudget, 5000),
    maxConcurrency: numberOption(
      invalidOption,
      'maxConcurrency',
      o.maxConcurrency,
      { integer: true, min: 1, max: 1024 },
      16,
    ),
    minSampleTime: numberOption(invalidOption, 'minSampleTime', o.minSampleTime, { min: 0 }, 50),
    signal: signalOption(invalidOption, 'signal', o.signal),
    thresholds: parseThresholds(o.thresholds),
  }
}

/** Checks the task given to `classify` or `measure`. */
export function checkTask(fn: unknown): void {
  if (typeof fn !== 'function') invalidOption(expected('fn', 'a function', fn))
}

/** Checks the command, its arguments and the options of `classifyCommand`. */
export function resolveCommandOptions(
  command: unknown,
  args: unknown,
  options: unknown,
): ResolvedCommandOptions {
  if (typeof command !== 'string' || command.length === 0) {
    invalidOption(expected('command', 'a non-empty string', command))
  }
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    invalidOption(expected('args', 'an array of strings', args))
  }
  const resolved = resolveClassifyOptions(options)
  const { cwd, env } = optionsObjectOf(options)
  if (cwd !== undefined && typeof cwd !== 'string') invalidOption(expected('cwd', 'a string', cwd))
  if (env !== undefined && (env === null || typeof env !== 'object')) {
    invalidOption(expected('env', 'an object', env))
  }
  return {
    ...resolved,
    command: command as string,
    args: [...(args as string[])],
    cwd: cwd as string | undefined,
    env: env as NodeJS.ProcessEnv | undefined,
  }
}

/** Checks the task and the options of `measure`. */
export function resolveMeasureOptions(
  fn: unknown,
  options: unknown,
): { timeout: number; signal: AbortSignal | undefined } {
  checkTask(fn)
  const o = optionsObjectOf(options)
  return {
    timeout: timeoutOption(invalidOption, 'timeout', o.timeout, 60_000),
    signal: signalOption(invalidOption, 'signal', o.signal),
  }
}
