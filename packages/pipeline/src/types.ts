import type { TransferListItem } from 'node:worker_threads'
import type { LimiterOptions } from '@boundkit/limiter'
import type { PipelineError } from './errors'

/** What the fetch stage's `run` receives besides the item. */
export interface FetchContext {
  /** Aborts when the run is cancelled or the attempt times out. */
  signal: AbortSignal
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number
  /** The item's 0-based position in the input. */
  index: number
}

/** The I/O stage: runs through @boundkit/limiter (retries, rate limits, Retry-After cooldown). */
export interface FetchStage<I, F> {
  run(item: I, context: FetchContext): Promise<F> | F
  /** Fetches in flight at once. @default 8 */
  concurrency?: number
  /** One or several rate windows, all enforced together (@boundkit/limiter's `rate`). @default none */
  rate?: LimiterOptions['rate']
  /** Retry policy (@boundkit/limiter's `retry`), or `false` for none. @default the limiter's */
  retry?: LimiterOptions['retry']
  /** How a 429/503 with `Retry-After` pauses the whole fetch stage (@boundkit/limiter's `cooldown`). */
  cooldown?: LimiterOptions['cooldown']
  /** Timeout of one attempt in ms. @default none */
  timeout?: number
}

/** A pool the process stage can use: @boundkit/pool's `Pool` fits. */
export interface ProcessPool {
  run(
    task: string,
    input: unknown,
    options?: { signal?: AbortSignal; transfer?: readonly TransferListItem[] },
  ): Promise<unknown>
  readonly threads?: number
}

/** The CPU stage on a pool you own: the pipeline does not close it. */
export interface PoolProcessStage {
  pool: ProcessPool
  /** The task name in the pool's worker file. */
  task: string
  /** Tasks handed to the pool at once. @default the pool's thread count */
  concurrency?: number
}

/** The CPU stage on a pool the pipeline creates from a worker file and closes with itself. */
export interface WorkerProcessStage {
  /** A worker file (path or file URL) that calls `defineWorker` from @boundkit/pool. */
  worker: string | URL
  task: string
  /** Worker threads. @default os.availableParallelism() */
  threads?: number
  /** Passed to the worker's `init`. */
  initData?: unknown
  /** Tasks handed to the pool at once. @default threads */
  concurrency?: number
}

/** What an in-thread process stage receives besides the payload. */
export interface ProcessContext<I> {
  item: I
  index: number
  signal: AbortSignal
}

/** The process stage in this thread (for light work, or work that is itself asynchronous). */
export interface RunProcessStage<I, F, R> {
  run(data: F, context: ProcessContext<I>): Promise<R> | R
  /** Items processed at once. @default 1 */
  concurrency?: number
}

export type ProcessStage<I, F, R> = PoolProcessStage | WorkerProcessStage | RunProcessStage<I, F, R>

/** Fetched payloads written to files instead of held in memory. */
export interface SpillOptions {
  /** The folder under which the pipeline makes its own temporary folder. */
  dir: string
}

export interface PipelineProgress {
  /** Items taken from the input. */
  started: number
  /** Fetches in flight. */
  fetching: number
  /** Fetches that succeeded. */
  fetched: number
  /** Fetched payloads waiting for the process stage. */
  buffered: number
  /** Items in the process stage. */
  processing: number
  /** Items with an outcome. */
  done: number
  /** Items whose outcome is a failure. */
  failed: number
  /** Fetch retries so far. */
  retried: number
  /** Outcomes per second since the first item started. */
  rate: number
  /** ms since the first item started. */
  elapsedMs: number
}

export interface PipelineStats extends PipelineProgress {
  /** ms during which at least one fetch was in flight. */
  fetchBusyMs: number
  /** ms during which at least one item was being processed. */
  processBusyMs: number
  /** ms during which both stages were busy at once. */
  overlapMs: number
  /** The most fetched payloads that waited between the stages at once (never above `buffer`). */
  maxBuffered: number
}

export interface PipelineOptions<I, F, R> {
  fetch: FetchStage<I, F>
  process: ProcessStage<I, F, R>
  /**
   * Payloads fetched (or being fetched) that the process stage has not taken yet. When it is full the
   * fetch stage waits. @default max(fetch concurrency, 2 x process concurrency)
   */
  buffer?: number
  /** Yield outcomes in input order (head-of-line waits) instead of completion order. @default false */
  ordered?: boolean
  /** Write fetched payloads to files and pass the path to the process stage. */
  spill?: SpillOptions
  /** Cancels every run. */
  signal?: AbortSignal
  /** Called after every change of the counters. */
  onProgress?: (progress: PipelineProgress) => void
}

export interface RunOptions {
  /** Cancels this run only. */
  signal?: AbortSignal
}

export type Stage = 'fetch' | 'process'

export interface Timings {
  /** From the first fetch attempt's start to the payload, retries and limiter waits included. */
  fetchMs: number
  /** Between the stages, in the buffer. */
  waitMs: number
  /** In the process stage. */
  processMs: number
}

interface OutcomeBase<I> {
  index: number
  item: I
  /** The last stage the item reached. */
  stage: Stage
  /** Fetch attempts made. */
  attempts: number
  timings: Timings
}

export interface FulfilledOutcome<I, R> extends OutcomeBase<I> {
  status: 'fulfilled'
  value: R
}

export interface RejectedOutcome<I> extends OutcomeBase<I> {
  status: 'rejected'
  /** `ERR_FETCH_FAILED`, `ERR_PROCESS_FAILED` or `ERR_ABORTED`, with the stage's error as `cause`. */
  error: PipelineError
}

export type Outcome<I, R> = FulfilledOutcome<I, R> | RejectedOutcome<I>

export interface Pipeline<I, R> {
  /** Runs every item through both stages; one outcome per item. */
  run(items: Iterable<I> | AsyncIterable<I>, options?: RunOptions): AsyncIterableIterator<Outcome<I, R>>
  progress(): PipelineProgress
  stats(): PipelineStats
  /** Cancels running work, removes temporary files and closes a pool the pipeline created. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}
