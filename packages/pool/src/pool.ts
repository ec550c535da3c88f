import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { TransferListItem } from 'node:worker_threads'
import { expected, numberOption, signalOption } from '@boundkit/internal'
import type { Piscina } from 'piscina'
import type { TaskFunction } from './define-worker'
import { invalidOption, PoolError } from './errors'
import { closedError, isCloneError, toPoolError } from './errors-map'
import { chunkRunner, type Outcome, windowedOutcomes } from './map'
import { mapSharedSlices } from './map-shared'
import { type PoolOptions, type ResolvedOptions, resolveOptions } from './options'
import { type StartNotice, type TaskEnvelope, unwrapThrown, type WorkerBoot } from './protocol'
import type { Reducer, SharedSlice, TypedArray } from './shared'
import { type PoolStats, timeSummary } from './stats'
import type { DefaultWorker, TaskInput, TaskName, TaskOutput } from './task-types'
import { resolveWorkerFile } from './worker-file'

/** Options of `pool.run`. */
export interface RunOptions {
  /** Cancels the task: removed from the queue, or its worker is stopped (and replaced) if it runs. */
  signal?: AbortSignal
  /**
   * Milliseconds the task may run, counted from when a worker starts it (not while it is queued);
   * past it the worker is stopped and replaced, and the task rejects with `ERR_TIMEOUT`.
   * @default none
   */
  timeout?: number
  /** `ArrayBuffer`s (and other transferables) in the input to move instead of copy. @default [] */
  transfer?: readonly TransferListItem[]
}

/** Options of `pool.map`, `pool.mapAll` and `pool.settle`. */
export interface MapOptions {
  /** Yield results in input order (`imap`); `false` yields them as they finish (`imap_unordered`). @default true */
  ordered?: boolean
  /** Inputs sent to a worker in one message: raise it when one input is quick (< ~1 ms). @default 1 */
  chunkSize?: number
  /** Chunks in flight or finished but not yet yielded, at most (bounds memory). @default threads * 2 */
  window?: number
  /** Stops pulling inputs and cancels the chunks in flight. */
  signal?: AbortSignal
}

/** Options of `pool.mapShared`. */
export interface MapSharedOptions<R> {
  /** Slices to cut the array into. @default from the array size and the thread count */
  chunks?: number
  /** Combine the per-slice results: `'sum'`, `'min'`, `'max'` or `(a, b) => c`. @default none (an array) */
  reduce?: Reducer<R>
  /** Cancels the call: sets the shared `cancelled` flag workers see, and rejects with `ERR_ABORTED`. */
  signal?: AbortSignal
  /** Called with (elements reported done through `slice.progress(n)`, array length), when each slice finishes. */
  onProgress?: (done: number, total: number) => void
}

interface TaskRecord {
  worker: number
  target: number | undefined
}

/**
 * piscina is loaded when the first pool starts, not when this module loads: worker files import
 * this package for `defineWorker`, and on Node 24 a piscina worker that has loaded piscina's own
 * main module in it never exits when terminated (so `destroy()` would hang).
 */
let piscinaClass: typeof Piscina | undefined
function loadPiscina(): typeof Piscina {
  piscinaClass ??= (createRequire(import.meta.url)('piscina') as { Piscina: typeof Piscina }).Piscina
  return piscinaClass
}

/** The symbol under which piscina shows a task's own options to the balancer (our `TaskRecord`). */
let RECORD: symbol

/**
 * The CommonJS build of the worker entry: piscina `require()`s it first, and on Node >= 22 a
 * `require()` of an ES module that is being terminated mid-load can abort the worker.
 */
function entryPath(): string {
  const here = new URL('./worker-entry.cjs', import.meta.url)
  if (existsSync(here)) return fileURLToPath(here)
  // Running from the sources (this package's own tests): use the built entry.
  return fileURLToPath(new URL('../dist/worker-entry.cjs', import.meta.url))
}

const STOP_GRACE_MS = 5000

/** A pool of worker threads running the tasks of one worker file. Create it with `createPool`. */
export class Pool<W = DefaultWorker> implements AsyncDisposable {
  readonly #piscina: Piscina
  readonly #options: ResolvedOptions
  #closed = false
  #destroyed = false
  #inFlight = 0
  #drained: (() => void) | undefined
  #closing: Promise<void> | undefined
  #completed = 0
  #failed = 0
  #crashed = 0
  #startSeq = 0
  readonly #started = new Map<number, () => void>()
  readonly #assigned = new Map<number, number>()
  readonly #retiring = new Set<number>()
  readonly #onWorkerGone = new Set<() => void>()

  constructor(options: PoolOptions) {
    if (options === null || typeof options !== 'object')
      invalidOption(expected('options', 'an object', options))
    this.#options = resolveOptions(options)
    const file = resolveWorkerFile(options.worker)
    const { threads, idleTimeout, maxQueue, resourceLimits } = this.#options
    const boot: WorkerBoot = { file, initData: options.initData }
    const PiscinaClass = loadPiscina()
    RECORD ??= PiscinaClass.queueOptionsSymbol
    try {
      this.#piscina = new PiscinaClass({
        filename: entryPath(),
        minThreads: idleTimeout === Number.POSITIVE_INFINITY ? threads : 1,
        maxThreads: threads,
        idleTimeout,
        maxQueue,
        resourceLimits,
        workerData: boot,
        loadBalancer: (task, workers) => this.#balance(task as never, workers),
      })
    } catch (error) {
      if (!isCloneError(error)) throw error
      throw new PoolError(
        'ERR_DATA_CLONE',
        `\`initData\` cannot be sent to the workers: ${(error as Error).message}`,
        {
          cause: error,
        },
      )
    }
    // A worker that fails with no task on it is replaced; the error itself has no one to go to.
    this.#piscina.on('error', () => {
      this.#crashed++
    })
    this.#piscina.on('message', (message: StartNotice) => {
      if (typeof message?.boundkitStart === 'number') this.#started.get(message.boundkitStart)?.()
    })
    this.#piscina.on('workerDestroy', () => {
      for (const check of this.#onWorkerGone) check()
    })
  }

  /** Worker threads the pool runs at most. */
  get threads(): number {
    return this.#options.threads
  }

  #balance(task: { [RECORD]?: TaskRecord | null }, workers: { id: number; currentUsage: number }[]) {
    const record = task[RECORD] ?? undefined
    const target = record?.target
    const retiring = this.#retiring
    for (const worker of workers) {
      if (worker.currentUsage !== 0) continue
      if (target !== undefined) {
        if (worker.id !== target) continue
      } else if (retiring.size > 0 && retiring.has(worker.id)) continue
      if (record) record.worker = worker.id
      if (this.#options.maxTasksPerWorker !== Number.POSITIVE_INFINITY) {
        const count = (this.#assigned.get(worker.id) ?? 0) + 1
        this.#assigned.set(worker.id, count)
        if (count >= this.#options.maxTasksPerWorker) this.#retiring.add(worker.id)
      }
      return worker as never
    }
    return null
  }

  #liveWorkers(): Set<number> {
    return new Set(this.#piscina.threads.map((w) => w.threadId).filter((id) => id >= 0))
  }

  /** A worker that reached `maxTasksPerWorker` and is idle now exits; piscina starts a fresh one. */
  #recycle(id: number): void {
    if (!this.#retiring.has(id)) return
    const worker = this.#piscina.threads.find((w) => w.threadId === id)
    // It stays in `#retiring` (so no task goes to it) until it is gone; forget the ones gone already.
    const live = this.#liveWorkers()
    for (const other of this.#retiring) {
      if (!live.has(other)) {
        this.#retiring.delete(other)
        this.#assigned.delete(other)
      }
    }
    void worker?.terminate()
  }

  #taskName(task: unknown): string {
    if (typeof task !== 'string' || task.length === 0) invalidOption(expected('task', 'a task name', task))
    return task
  }

  #dispatch(envelope: TaskEnvelope, options: RunOptions = {}, target?: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(closedError())
    const signal = signalOption(invalidOption, 'signal', options.signal)
    const timeout =
      options.timeout === undefined
        ? undefined
        : numberOption(invalidOption, 'timeout', options.timeout, { min: 0 }, 0)
    const transfer = options.transfer
    if (transfer !== undefined && !Array.isArray(transfer)) {
      invalidOption(expected('transfer', 'an array of transferables', transfer))
    }
    const record: TaskRecord = { worker: -1, target }
    ;(envelope as unknown as Record<symbol, TaskRecord>)[RECORD] = record
    let runSignal = signal
    let timedOut = false
    let timer: NodeJS.Timeout | undefined
    let startId = 0
    let unlink: (() => void) | undefined
    if (timeout !== undefined) {
      const controller = new AbortController()
      if (signal) {
        if (signal.aborted) controller.abort(signal.reason)
        const forward = () => controller.abort(signal.reason)
        signal.addEventListener('abort', forward, { once: true })
        unlink = () => signal.removeEventListener('abort', forward)
      }
      startId = ++this.#startSeq
      envelope.s = startId
      this.#started.set(startId, () => {
        timer = setTimeout(() => {
          timedOut = true
          controller.abort()
        }, timeout)
      })
      runSignal = controller.signal
    }
    this.#inFlight++
    const settle = () => {
      this.#inFlight--
      if (timer) clearTimeout(timer)
      if (startId) this.#started.delete(startId)
      unlink?.()
      if (record.worker >= 0) this.#recycle(record.worker)
      if (this.#inFlight === 0) this.#drained?.()
    }
    const promise = this.#piscina.run(envelope, {
      signal: runSignal ?? null,
      transferList: transfer as never,
    })
    return promise.then(
      (value) => {
        this.#completed++
        settle()
        return value
      },
      (thrown: unknown) => {
        const error = unwrapThrown(thrown)
        this.#failed++
        const workerLost = record.worker >= 0 && !this.#liveWorkers().has(record.worker)
        if (workerLost) this.#crashed++
        settle()
        throw toPoolError(error, {
          task: envelope.t,
          destroyed: this.#destroyed,
          timedOut,
          timeout,
          workerLost,
          signal,
        })
      },
    )
  }

  /** Runs task `task` with `input` on a free worker and resolves with its result. */
  run<K extends TaskName<W>>(
    task: K,
    input: TaskInput<W, K>,
    options?: RunOptions,
  ): Promise<TaskOutput<W, K>> {
    const envelope: TaskEnvelope = { t: this.#taskName(task), i: input }
    return this.#dispatch(envelope, options) as Promise<TaskOutput<W, K>>
  }

  #mapOptions(options: MapOptions = {}) {
    const ordered = options.ordered ?? true
    if (typeof ordered !== 'boolean') invalidOption(expected('ordered', 'a boolean', ordered))
    const chunkSize = numberOption(
      invalidOption,
      'chunkSize',
      options.chunkSize,
      { integer: true, min: 1 },
      1,
    )
    const window = numberOption(
      invalidOption,
      'window',
      options.window,
      { integer: true, min: 1 },
      this.#options.threads * 2,
    )
    const signal = signalOption(invalidOption, 'signal', options.signal)
    return {
      ordered,
      chunkSize,
      window,
      signal,
      aborted: () => new PoolError('ERR_ABORTED', 'The map was aborted', { cause: signal?.reason }),
    }
  }

  #outcomes<R>(inputs: unknown, task: string, options: MapOptions | undefined) {
    const name = this.#taskName(task)
    if (
      inputs === null ||
      typeof inputs !== 'object' ||
      !(Symbol.iterator in inputs || Symbol.asyncIterator in inputs)
    ) {
      invalidOption(expected('inputs', 'an iterable or async iterable', inputs))
    }
    const resolved = this.#mapOptions(options)
    const runOptions: RunOptions = resolved.signal ? { signal: resolved.signal } : {}
    const runChunk = chunkRunner<R>(name, resolved.chunkSize, (envelope) =>
      this.#dispatch(envelope, runOptions),
    )
    return windowedOutcomes(inputs as Iterable<unknown>, runChunk, resolved)
  }

  /**
   * Runs `task` on every input, pulling inputs lazily with a bounded window, and yields the results
   * in input order (or as they finish with `ordered: false`). Throws at the first failed input.
   */
  async *map<K extends TaskName<W>>(
    inputs: Iterable<TaskInput<W, K>> | AsyncIterable<TaskInput<W, K>>,
    task: K,
    options?: MapOptions,
  ): AsyncGenerator<TaskOutput<W, K>, void, undefined> {
    for await (const outcome of this.#outcomes<TaskOutput<W, K>>(inputs, task, options)) {
      if (!outcome.ok) throw outcome.error
      yield outcome.value
    }
  }

  /** `map` collected into an array in input order; rejects with the first failure. */
  async mapAll<K extends TaskName<W>>(
    inputs: Iterable<TaskInput<W, K>> | AsyncIterable<TaskInput<W, K>>,
    task: K,
    options?: Omit<MapOptions, 'ordered'>,
  ): Promise<TaskOutput<W, K>[]> {
    const values: TaskOutput<W, K>[] = []
    for await (const value of this.map(inputs, task, { ...options, ordered: true })) values.push(value)
    return values
  }

  /** Runs `task` on every input and resolves with one outcome per input, in input order; never rejects for a failed input. */
  async settle<K extends TaskName<W>>(
    inputs: Iterable<TaskInput<W, K>> | AsyncIterable<TaskInput<W, K>>,
    task: K,
    options?: Omit<MapOptions, 'ordered'>,
  ): Promise<Outcome<TaskOutput<W, K>>[]> {
    const outcomes: Outcome<TaskOutput<W, K>>[] = []
    for await (const outcome of this.#outcomes<TaskOutput<W, K>>(inputs, task, {
      ...options,
      ordered: true,
    })) {
      outcomes.push(outcome)
    }
    return outcomes
  }

  /** Runs `task` once on every live worker (e.g. to refresh a per-worker cache); resolves with each result. */
  async broadcast<K extends TaskName<W>>(task: K, input: TaskInput<W, K>): Promise<TaskOutput<W, K>[]> {
    const name = this.#taskName(task)
    if (this.#closed) throw closedError()
    const targets = [...this.#liveWorkers()]
    const results = await Promise.all(
      targets.map(async (id) => {
        // If the target worker dies before it picks the task up, the task is dropped, not stuck.
        const controller = new AbortController()
        const check = () => {
          if (!this.#liveWorkers().has(id)) controller.abort()
        }
        this.#onWorkerGone.add(check)
        try {
          return {
            ran: true,
            value: await this.#dispatch({ t: name, i: input }, { signal: controller.signal }, id),
          }
        } catch (error) {
          if (controller.signal.aborted && (error as PoolError).code === 'ERR_ABORTED')
            return { ran: false, value: undefined }
          throw error
        } finally {
          this.#onWorkerGone.delete(check)
        }
      }),
    )
    return results.filter((r) => r.ran).map((r) => r.value as TaskOutput<W, K>)
  }

  /**
   * Splits a shared typed array into slices and runs `task` on each with a zero-copy
   * `SharedSlice` view `{ array, start, end, index, cancelled, progress(n) }`. Resolves with the
   * per-slice results in order, or with their combination when `reduce` is given.
   */
  mapShared<T extends TypedArray, K extends TaskName<W>>(
    array: T,
    task: K,
    options: MapSharedOptions<TaskOutput<W, K>> & { reduce: Reducer<TaskOutput<W, K>> },
  ): Promise<TaskOutput<W, K>>
  mapShared<T extends TypedArray, K extends TaskName<W>>(
    array: T,
    task: K,
    options?: MapSharedOptions<TaskOutput<W, K>>,
  ): Promise<TaskOutput<W, K>[]>
  async mapShared<T extends TypedArray, K extends TaskName<W>>(
    array: T,
    task: K,
    options: MapSharedOptions<TaskOutput<W, K>> = {},
  ): Promise<TaskOutput<W, K> | TaskOutput<W, K>[]> {
    const name = this.#taskName(task)
    return mapSharedSlices(array, options, this.#options.threads, (slice) =>
      this.#dispatch({ t: name, i: slice, m: 1 }),
    ) as Promise<TaskOutput<W, K> | TaskOutput<W, K>[]>
  }

  /** Figures for monitoring: threads, queue, counts, utilization, run and wait time percentiles (ms). */
  stats(): PoolStats {
    const piscina = this.#piscina
    const histogram = piscina.histogram
    return {
      threads: piscina.threads.length,
      queued: piscina.queueSize,
      running: Math.max(0, this.#inFlight - piscina.queueSize),
      completed: this.#completed,
      failed: this.#failed,
      crashed: this.#crashed,
      utilization: piscina.utilization,
      runTime: timeSummary(histogram.runTime),
      waitTime: timeSummary(histogram.waitTime),
    }
  }

  /**
   * Stops every worker. A worker that does not exit within `STOP_GRACE_MS` of being terminated
   * (Node 24 can leave one hanging, e.g. when the worker file imported piscina itself) is unref'd
   * so it cannot keep the process alive, and `close()`/`destroy()` still return.
   */
  async #stopWorkers(): Promise<void> {
    const workers = [...this.#piscina.threads]
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const worker of workers) worker.unref()
        resolve()
      }, STOP_GRACE_MS)
      timer.unref()
    })
    await Promise.race([this.#piscina.destroy(), grace])
    clearTimeout(timer)
  }

  /** Stops taking tasks (`ERR_CLOSED`), lets every queued and running task finish, then stops the workers. */
  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= (async () => {
      if (this.#inFlight > 0) {
        await new Promise<void>((resolve) => {
          this.#drained = resolve
        })
      }
      if (!this.#destroyed) {
        this.#destroyed = true
        await this.#stopWorkers()
      }
    })()
    return this.#closing
  }

  /** Stops the workers now: queued and running tasks reject with `ERR_CLOSED`. */
  async destroy(): Promise<void> {
    this.#closed = true
    if (this.#destroyed) return
    this.#destroyed = true
    await this.#stopWorkers()
    this.#drained?.()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/** Starts a pool of worker threads running the tasks that `options.worker` defines with `defineWorker`. */
export function createPool<W = DefaultWorker>(options: PoolOptions): Pool<W> {
  return new Pool<W>(options)
}

export type { SharedSlice, TaskFunction }
