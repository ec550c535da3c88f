/**
 * Every option type of the pool and its checks: `createPool`'s options once, and the options of each
 * call (`run`, `map`/`mapAll`/`settle`, `mapShared`) at every call. A bad option throws
 * `ERR_INVALID_OPTION` naming it.
 */
import { availableParallelism } from 'node:os'
import type { ResourceLimits, TransferListItem } from 'node:worker_threads'
import {
  booleanOption,
  expected,
  itemIterator,
  numberOption,
  optionsObject,
  signalOption,
  timeoutOption,
} from '@boundkit/internal'
import { invalidOption, PoolError } from './errors'
import { NAMED_REDUCERS, type Reducer } from './reduce'
import type { InitData, UntypedWorker } from './task-types'

/** Options of `createPool`; `W` is the worker's type, as `createPool<W>` was given it. */
export interface PoolOptions<W = UntypedWorker> {
  /** The worker file (a file URL or a path) whose export is `defineWorker({ tasks })`. */
  worker: string | URL
  /**
   * The pool's own worker entry, `dist/worker-entry.cjs` of this package, which every worker thread
   * starts from and which loads `worker`. Give it when a bundler has moved the pool's code into your
   * app: copy the file beside your bundle (keep its `.cjs` name) and point here (README, "Bundling").
   * Checked at once: `ERR_WORKER_ENTRY` when it is missing, not `.cjs`, or the worker file itself.
   * @default the file beside the pool's own module
   */
  workerEntry?: string | URL
  /**
   * Worker threads the pool runs at most, 1 to 1024 (`MAX_THREADS`).
   * @default os.availableParallelism()
   */
  threads?: number
  /**
   * Tasks that may wait for a free worker; one more is rejected with `ERR_QUEUE_FULL`.
   * @default Infinity
   */
  maxQueue?: number
  /**
   * Milliseconds (>= 1, or `Infinity`) an idle worker lives before it exits (the pool then keeps one
   * worker). With `Infinity`, every worker starts at once and stays until `close()`.
   * @default Infinity
   */
  idleTimeout?: number
  /**
   * Handed to the worker's `init(data)` once per worker (structured-cloned); typed as what `init`
   * takes when the pool has the worker's type.
   * @default undefined
   */
  initData?: InitData<W>
  /**
   * Memory limits for each worker (Node's `resourceLimits`, in MB, each at most `RESOURCE_LIMIT_MAX`
   * of its key); a worker that exceeds them crashes with `ERR_WORKER_CRASHED` and is replaced.
   * @default Node's defaults
   */
  resourceLimits?: ResourceLimits
  /**
   * Recycle a worker (start a fresh one) after it has run this many tasks: contains leaks.
   * @default Infinity
   */
  maxTasksPerWorker?: number
  /**
   * Send a busy worker its next task before it finishes the one it runs (at most one waits at each
   * worker), so it never idles waiting for the main thread between two tasks. Tasks with a `signal` or
   * a `timeout` are never sent ahead. Turn it off when tasks are very uneven and the latency of each
   * matters more than the batch: a task sent ahead waits for the one before it, even when another
   * worker frees up first.
   * @default true
   */
  prefetch?: boolean
}

/** Options of `pool.run`. */
export interface PoolRunOptions {
  /** Cancels the task: removed from the queue, or its worker is stopped (and replaced) if it runs. */
  signal?: AbortSignal
  /**
   * Milliseconds (>= 1, or `Infinity` for none) the task may run, counted from when a worker starts
   * it (not while it is queued); past it the worker is stopped and replaced, and the task rejects
   * with `ERR_TIMEOUT`.
   * @default Infinity
   */
  timeout?: number
  /**
   * ArrayBuffers of the input to move to the worker instead of copying them (they are detached on
   * this thread afterwards): `'auto'` moves every ArrayBuffer the input owns whole (see the README),
   * or list them (`ArrayBuffer`s, `MessagePort`s, ...).
   * @default none (everything is copied)
   */
  transfer?: 'auto' | readonly TransferListItem[]
}

/** Options of `pool.map`, `pool.mapAll` and `pool.settle`. */
export interface PoolMapOptions {
  /** Yield results in input order (`imap`); `false` yields them as they finish (`imap_unordered`). @default true */
  ordered?: boolean
  /** Inputs sent to a worker in one message: raise it when one input is quick (< ~1 ms). @default 1 */
  chunkSize?: number
  /** Chunks in flight or finished but not yet yielded, at most (bounds memory). @default threads * 2 */
  window?: number
  /** Stops pulling inputs and cancels the chunks in flight. @default none */
  signal?: AbortSignal
  /** `'auto'`: move the ArrayBuffers each input owns whole instead of copying them (as `run`). @default none */
  transfer?: 'auto'
}

/** Options of `pool.mapShared`. */
export interface PoolMapSharedOptions<R> {
  /** Slices to cut the array into. @default one per thread, at least 65,536 elements each */
  chunks?: number
  /** Combine the per-slice results: `'sum'`, `'min'`, `'max'` or `(a, b) => c`. @default none (an array) */
  reduce?: Reducer<R>
  /** Cancels the call: sets the shared `cancelled` flag workers see, and rejects with `ERR_ABORTED`. @default none */
  signal?: AbortSignal
}

/** The most threads a pool runs: each worker is a V8 isolate of its own (memory, start-up time). */
export const MAX_THREADS = 1024

/**
 * The largest value each `resourceLimits` key takes, in MB. Larger ones make Node fail to start the
 * worker (`stackSizeMb`) or abort the whole process (`codeRangeSizeMb`, which reserves that much
 * address space).
 */
export const RESOURCE_LIMIT_MAX: Readonly<Record<keyof ResourceLimits, number>> = {
  maxOldGenerationSizeMb: 1_048_576,
  maxYoungGenerationSizeMb: 16_384,
  codeRangeSizeMb: 4096,
  stackSizeMb: 1024,
}

export interface ResolvedPoolOptions {
  threads: number
  maxQueue: number
  idleTimeout: number
  maxTasksPerWorker: number
  resourceLimits: ResourceLimits | undefined
  prefetch: boolean
}

const fail = invalidOption

function resolveResourceLimits(limits: unknown): ResourceLimits | undefined {
  if (limits === undefined) return undefined
  if (limits === null || typeof limits !== 'object') fail(expected('resourceLimits', 'an object', limits))
  const keys = Object.keys(RESOURCE_LIMIT_MAX)
  for (const [key, value] of Object.entries(limits as object)) {
    if (!keys.includes(key)) fail(expected('resourceLimits', `keys among ${keys.join(', ')}`, key))
    const max = RESOURCE_LIMIT_MAX[key as keyof ResourceLimits]
    numberOption(fail, `resourceLimits.${key}`, value, { min: 0, max }, 0)
  }
  return limits as ResourceLimits
}

/** An integer >= `min`, or `Infinity` (the default: no limit). */
function countOrInfinity(name: string, value: unknown, min: number): number {
  return numberOption(
    fail,
    name,
    value,
    { integer: true, min, allowInfinity: true },
    Number.POSITIVE_INFINITY,
  )
}

export function resolvePoolOptions(options: PoolOptions<unknown>): ResolvedPoolOptions {
  if (options === null || typeof options !== 'object') fail(expected('options', 'an object', options))
  const threads = numberOption(
    fail,
    'threads',
    options.threads,
    { integer: true, min: 1, max: MAX_THREADS },
    Math.min(availableParallelism(), MAX_THREADS),
  )
  const maxQueue = countOrInfinity('maxQueue', options.maxQueue, 0)
  const idleTimeout = timeoutOption(fail, 'idleTimeout', options.idleTimeout, Number.POSITIVE_INFINITY)
  const maxTasksPerWorker = countOrInfinity('maxTasksPerWorker', options.maxTasksPerWorker, 1)
  const resourceLimits = resolveResourceLimits(options.resourceLimits)
  const prefetch = booleanOption(fail, 'prefetch', options.prefetch, true)
  return { threads, maxQueue, idleTimeout, maxTasksPerWorker, resourceLimits, prefetch }
}

/** Checks the task name argument of every call. */
export function taskName(task: unknown): string {
  if (typeof task !== 'string' || task.length === 0) fail(expected('task', 'a task name', task))
  return task as string
}

/** Checks the `inputs` argument of the map calls. */
export function inputsArgument(inputs: unknown): Iterable<unknown> | AsyncIterable<unknown> {
  if (typeof inputs !== 'object' || itemIterator(inputs as Iterable<unknown>) === undefined) {
    fail(expected('inputs', 'an iterable or async iterable', inputs))
  }
  return inputs as Iterable<unknown> | AsyncIterable<unknown>
}

function autoTransfer(value: unknown): 'auto' | undefined {
  if (value !== undefined && value !== 'auto') fail(expected('transfer', "'auto'", value))
  return value as 'auto' | undefined
}

export interface ResolvedRunOptions {
  signal: AbortSignal | undefined
  /** `Infinity`: none. */
  timeout: number
  transfer: 'auto' | readonly TransferListItem[] | undefined
}

export function resolveRunOptions(given: PoolRunOptions | undefined): ResolvedRunOptions {
  const options = optionsObject(fail, given)
  const signal = signalOption(fail, 'signal', options.signal)
  const timeout = timeoutOption(fail, 'timeout', options.timeout, Number.POSITIVE_INFINITY)
  const transfer = options.transfer
  if (transfer !== undefined && transfer !== 'auto' && !Array.isArray(transfer)) {
    fail(expected('transfer', "'auto' or an array of transferables", transfer))
  }
  return { signal, timeout, transfer }
}

export interface ResolvedMapOptions {
  ordered: boolean
  chunkSize: number
  window: number
  signal: AbortSignal | undefined
  transfer: 'auto' | undefined
  /** The error to throw when `signal` aborts. */
  aborted: () => PoolError
}

export function resolveMapOptions(given: PoolMapOptions | undefined, threads: number): ResolvedMapOptions {
  const options = optionsObject(fail, given)
  const signal = signalOption(fail, 'signal', options.signal)
  return {
    ordered: booleanOption(fail, 'ordered', options.ordered, true),
    chunkSize: numberOption(fail, 'chunkSize', options.chunkSize, { integer: true, min: 1 }, 1),
    window: numberOption(fail, 'window', options.window, { integer: true, min: 1 }, threads * 2),
    signal,
    transfer: autoTransfer(options.transfer),
    aborted: () => new PoolError('ERR_ABORTED', 'The map was aborted', { cause: signal?.reason }),
  }
}

export interface ResolvedMapSharedOptions<R> {
  chunks: number
  reduce: Reducer<R> | undefined
  signal: AbortSignal | undefined
}

/**
 * Default slicing of `mapShared`: one slice per thread, as a hand-written split does, but none smaller
 * than `minSlice` elements (a round trip costs ~50 us). Two per thread measured slower: a worker waits
 * for the main thread to send its second slice, and on a busy machine that wait is long.
 */
export function autoChunks(length: number, threads: number, minSlice = 65_536): number {
  if (length <= 0) return 1
  return Math.max(1, Math.min(threads, Math.ceil(length / minSlice)))
}

export function resolveMapSharedOptions<R>(
  given: PoolMapSharedOptions<R> | undefined,
  length: number,
  threads: number,
): ResolvedMapSharedOptions<R> {
  const options = optionsObject(fail, given)
  const chunks = numberOption(
    fail,
    'chunks',
    options.chunks,
    { integer: true, min: 1 },
    autoChunks(length, threads),
  )
  const reduce = options.reduce
  if (reduce !== undefined && typeof reduce !== 'function' && !NAMED_REDUCERS.includes(reduce)) {
    fail(expected('reduce', "'sum', 'min', 'max' or a function", reduce))
  }
  return { chunks, reduce, signal: signalOption(fail, 'signal', options.signal) }
}
