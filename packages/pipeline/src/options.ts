import { availableParallelism } from 'node:os'
import {
  booleanOption,
  expected,
  functionOption,
  numberOption,
  signalOption,
  timeoutOption,
} from '@boundkit/internal'
import type { LimiterOptions } from '@boundkit/limiter'
import type { Pool, TaskName, UntypedWorker } from '@boundkit/pool'
import { invalidOption } from './errors'

/** What the fetch stage's `run` receives besides the item. */
export interface PipelineFetchContext {
  /** Aborts when the run is cancelled or the attempt times out. */
  signal: AbortSignal
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number
  /** The item's 0-based position in the input. */
  index: number
}

/** The I/O stage: runs through `@boundkit/limiter` (retries, rate limits, Retry-After cooldown). */
export interface PipelineFetchStage<I, F> {
  run(item: I, context: PipelineFetchContext): Promise<F> | F
  /** Fetches in flight at once. @default 8 */
  concurrency?: number
  /** One or several rate windows, all enforced together (@boundkit/limiter's `rate`). @default none */
  rate?: LimiterOptions['rate']
  /** Retry policy (@boundkit/limiter's `retry`), or `false` for none. @default the limiter's */
  retry?: LimiterOptions['retry']
  /**
   * How a `Retry-After` pauses the fetch stage (@boundkit/limiter's `cooldown`): a 429 pauses every
   * fetch, a 503 delays only its item unless `cooldown.after` of them come in a row.
   */
  cooldown?: LimiterOptions['cooldown']
  /** Timeout of one attempt in ms: `>= 1`, or `Infinity` for none. @default Infinity */
  timeout?: number
}

/** A pool the process stage can use: a `Pool` of `@boundkit/pool` fits, typed or not. */
export interface PipelineProcessPool {
  /** The pipeline passes `transfer: 'auto'`: binary payloads move to the worker instead of being copied. */
  run(task: string, input: unknown, options?: { signal?: AbortSignal; transfer?: 'auto' }): Promise<unknown>
  readonly threads?: number
}

/**
 * The CPU stage on a pool you own: the pipeline does not close it. With a pool that has its worker's
 * type (`createPool<typeof import('./worker.js').default>`), `createPipeline` checks `task` against the
 * worker's tasks and the fetched payload against what the task takes, and gives the outcomes' `value`
 * the task's result type. `W` is the worker's type and `K` the task's name, both inferred.
 */
export interface PipelinePoolStage<W = UntypedWorker, K extends TaskName<W> = TaskName<W>> {
  /** The pool: a typed `Pool<W>`, or any pool when `W` is not known. */
  pool: [W] extends [UntypedWorker] ? PipelineProcessPool : Pool<W>
  /** The task name in the pool's worker file. */
  task: K
  /** Tasks handed to the pool at once. @default the pool's thread count */
  concurrency?: number
}

/** The CPU stage on a pool the pipeline creates from a worker file and closes with itself. */
export interface PipelineWorkerStage {
  /** A worker file (path or file URL) that calls `defineWorker` of `@boundkit/pool`. */
  worker: string | URL
  /** The task name in the worker file. */
  task: string
  /** Worker threads. @default `concurrency` when given, else os.availableParallelism() */
  threads?: number
  /** Passed to the worker's `init`. @default none */
  initData?: unknown
  /** Tasks handed to the pool at once. @default threads */
  concurrency?: number
}

/** What an in-thread process stage receives besides the payload. */
export interface PipelineProcessContext<I> {
  item: I
  /** The item's 0-based position in the input. */
  index: number
  /** Aborts when the run is cancelled. */
  signal: AbortSignal
}

/** The process stage in this thread (for light work, or work that is itself asynchronous). */
export interface PipelineRunStage<I, F, R> {
  run(data: F, context: PipelineProcessContext<I>): Promise<R> | R
  /** Items processed at once. @default 1 */
  concurrency?: number
}

/**
 * A process stage that is an object of its own and runs payloads elsewhere (other processes or
 * machines): the interface `queueStage` of `@boundkit/queue` implements. Swapping `{ pool, task }` for
 * one runs the same pipeline distributed. The pipeline hands it at most `concurrency` payloads at
 * once, each by value (so `spill`, which hands over a local file's path, is refused), and calls its
 * `close` from its own `close()`, after its runs ended.
 */
export interface PipelineRemoteStage<I = unknown, F = unknown, R = unknown> {
  /** Tells this form apart from the in-thread `{ run }` stage: always `true`. */
  readonly remote: true
  /** Runs one payload; a rejection is the item's `ERR_PROCESS_FAILED`. It must stop when `signal` aborts. */
  run(data: F, context: PipelineProcessContext<I>): Promise<R>
  /** Payloads handed to it at once (integer >= 1): its own bound, e.g. a queue's jobs outstanding. */
  readonly concurrency: number
  /** Releases what the stage holds; called once, by the pipeline's `close()`. */
  close?(): Promise<void>
}

/** The process stage, in one of its four forms; `W` and `K` are a typed pool stage's (see there). */
export type PipelineProcessStage<I, F, R, W = UntypedWorker, K extends TaskName<W> = TaskName<W>> =
  | PipelinePoolStage<W, K>
  | PipelineWorkerStage
  | PipelineRunStage<I, F, R>
  | PipelineRemoteStage<I, F, R>

/** Fetched payloads written to files instead of held in memory. */
export interface PipelineSpillOptions {
  /** The folder under which the pipeline makes its own temporary folder. */
  dir: string
}

/**
 * Options of `createPipeline`: `I` the input item, `F` the fetched payload, `R` the process stage's
 * result; `W` and `K` a typed pool stage's worker type and task name (see `PipelinePoolStage`).
 */
export interface PipelineOptions<I, F, R, W = UntypedWorker, K extends TaskName<W> = TaskName<W>> {
  fetch: PipelineFetchStage<I, F>
  process: PipelineProcessStage<I, F, R, W, K>
  /**
   * Payloads fetched (or being fetched) that the process stage has not taken yet. When it is full the
   * fetch stage waits. @default max(fetch concurrency, 2 x process concurrency)
   */
  buffer?: number
  /** Yield outcomes in input order (head-of-line waits) instead of completion order. @default false */
  ordered?: boolean
  /** Write fetched payloads to files and pass the path to the process stage. @default none (in memory) */
  spill?: PipelineSpillOptions
  /** Cancels every run. @default none */
  signal?: AbortSignal
}

export interface PipelineRunOptions {
  /** Cancels this run only. @default none */
  signal?: AbortSignal
}

export type ResolvedProcess<I, F, R> =
  | { kind: 'pool'; stage: PipelinePoolStage; concurrency: number }
  | { kind: 'worker'; stage: PipelineWorkerStage; threads: number; concurrency: number }
  | { kind: 'run'; stage: PipelineRunStage<I, F, R>; concurrency: number }
  | { kind: 'remote'; stage: PipelineRemoteStage<I, F, R>; concurrency: number }

export interface ResolvedPipelineOptions<I, F, R> {
  fetch: PipelineFetchStage<I, F>
  fetchConcurrency: number
  /** ms, or `Infinity` for none. */
  fetchTimeout: number
  process: ResolvedProcess<I, F, R>
  buffer: number
  ordered: boolean
  spillDir: string | undefined
  signal: AbortSignal | undefined
}

const positiveInteger = { integer: true, min: 1 }

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object'
}

function resolveProcess<I, F, R>(value: unknown): ResolvedProcess<I, F, R> {
  if (!isObject(value))
    invalidOption(
      expected('process', 'an object: { pool, task }, { worker, task }, { run } or a remote stage', value),
    )
  const concurrency = (fallback: number) =>
    numberOption(invalidOption, 'process.concurrency', value.concurrency, positiveInteger, fallback)
  if (value.remote === true) return resolveRemote(value)
  if ('run' in value) {
    functionOption(invalidOption, 'process.run', value.run)
    return { kind: 'run', stage: value as unknown as PipelineRunStage<I, F, R>, concurrency: concurrency(1) }
  }
  if (typeof value.task !== 'string' || value.task === '') {
    invalidOption(expected('process.task', 'the name of a task in the worker file', value.task))
  }
  if ('pool' in value) {
    const pool = value.pool as { run?: unknown; threads?: unknown } | undefined
    if (!isObject(pool) || typeof pool.run !== 'function') {
      invalidOption(expected('process.pool', 'a pool from @boundkit/pool', pool))
    }
    const threads = typeof pool.threads === 'number' ? pool.threads : availableParallelism()
    return { kind: 'pool', stage: value as unknown as PipelinePoolStage, concurrency: concurrency(threads) }
  }
  if ('worker' in value) {
    if (typeof value.worker !== 'string' && !(value.worker instanceof URL)) {
      invalidOption(expected('process.worker', 'a path or file URL', value.worker))
    }
    const given = numberOption(invalidOption, 'process.threads', value.threads, positiveInteger, 0)
    const tasks = concurrency(given || availableParallelism())
    const stage = value as unknown as PipelineWorkerStage
    return { kind: 'worker', stage, threads: given || tasks, concurrency: tasks }
  }
  return invalidOption(expected('process', 'an object with `pool`, `worker` or `run`', value))
}

function resolveRemote<I, F, R>(value: Record<string, unknown>): ResolvedProcess<I, F, R> {
  if (typeof value.run !== 'function') invalidOption(expected('process.run', 'a function', value.run))
  functionOption(invalidOption, 'process.close', value.close)
  // A remote stage knows its own bound: no default is guessed for it.
  if (value.concurrency === undefined) {
    invalidOption(
      expected('process.concurrency', 'an integer >= 1 (a remote stage gives its own)', undefined),
    )
  }
  const concurrency = numberOption(
    invalidOption,
    'process.concurrency',
    value.concurrency,
    positiveInteger,
    1,
  )
  return { kind: 'remote', stage: value as unknown as PipelineRemoteStage<I, F, R>, concurrency }
}

/** Checks every option of `createPipeline` once, at construction, and fills in the defaults. */
export function resolvePipelineOptions<I, F, R>(
  options: PipelineOptions<I, F, R>,
): ResolvedPipelineOptions<I, F, R> {
  if (!isObject(options)) invalidOption(expected('options', 'an object', options))
  const fetch = options.fetch
  if (!isObject(fetch)) invalidOption(expected('fetch', 'an object with a `run` function', fetch))
  if (typeof fetch.run !== 'function') invalidOption(expected('fetch.run', 'a function', fetch.run))
  const fetchConcurrency = numberOption(
    invalidOption,
    'fetch.concurrency',
    fetch.concurrency,
    positiveInteger,
    8,
  )
  const process = resolveProcess<I, F, R>(options.process)
  const buffer = numberOption(
    invalidOption,
    'buffer',
    options.buffer,
    positiveInteger,
    Math.max(fetchConcurrency, 2 * process.concurrency),
  )
  const spill = options.spill
  if (spill !== undefined && (!isObject(spill) || typeof spill.dir !== 'string' || spill.dir === '')) {
    invalidOption(expected('spill', 'an object { dir: string }', spill))
  }
  if (spill !== undefined && process.kind === 'remote') {
    // A spilled payload is a path on this machine, which means nothing where a remote stage runs it.
    invalidOption('Expected `spill` to be left out with a remote process stage (it hands over a local path)')
  }
  return {
    fetch,
    fetchConcurrency,
    fetchTimeout: timeoutOption(invalidOption, 'fetch.timeout', fetch.timeout, Number.POSITIVE_INFINITY),
    process,
    buffer,
    ordered: booleanOption(invalidOption, 'ordered', options.ordered, false),
    spillDir: spill?.dir,
    signal: signalOption(invalidOption, 'signal', options.signal),
  }
}

/** Checks the options of one `run(items, options)` call. */
export function resolvePipelineRunOptions(options: unknown): { signal: AbortSignal | undefined } {
  if (options === undefined) return { signal: undefined }
  if (!isObject(options)) invalidOption(expected('options', 'an object', options))
  return { signal: signalOption(invalidOption, 'signal', options.signal) }
}
