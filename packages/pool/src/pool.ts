import type { TransferListItem } from 'node:worker_threads'
import { asyncDispose, Emitter, type Outcome } from '@boundkit/internal'
import type { Piscina } from 'piscina'
import { loadPiscina, resolveEntry, stopWorkers } from './engine'
import { invalidOption, PoolError } from './errors'
import { closedError, isCloneError, toPoolError } from './errors-map'
import { POOL_EVENTS, type PoolEvents } from './events'
import { chunkRunner, windowedOutcomes } from './map'
import { mapSharedSlices, sharedArrayArgument } from './map-shared'
import {
  inputsArgument,
  type PoolMapOptions,
  type PoolMapSharedOptions,
  type PoolOptions,
  type PoolRunOptions,
  type ResolvedPoolOptions,
  resolveMapOptions,
  resolveMapSharedOptions,
  resolvePoolOptions,
  resolveRunOptions,
  taskName,
} from './options'
import { type PlacedTask, Prefetch } from './prefetch'
import { dropTask, type TaskEnvelope, unwrapThrown, type WorkerBoot } from './protocol'
import { Recycler } from './recycle'
import type { Reducer } from './reduce'
import type { TypedArray } from './shared'
import { BusyTime, type PoolStats } from './stats'
import type { SliceTaskName, TaskInput, TaskName, TaskOutput, UntypedWorker } from './task-types'
import { type ArmedTimeout, TaskTimeouts } from './timeouts'
import { autoTransferList } from './transfer'
import { WaitingTasks } from './waiting'
import { resolveWorkerFile } from './worker-file'

/** What the pool knows about a task it handed to piscina; the balancer reads and fills it. */
interface TaskRecord extends PlacedTask {
  /** The worker it must go to (`broadcast`). */
  target: number | undefined
  task: string
  /** When it was given to the pool (`performance.now()`). */
  queuedAt: number
}

/** What a failed task's error is made from. */
interface FailedTask {
  task: string
  clock: ArmedTimeout | undefined
  timeout: number
  signal: AbortSignal | undefined
  /** Part of its input was moved to the worker (`transfer`): it cannot be sent again. */
  moved: boolean
}

/** A worker as piscina shows it to the balancer. */
interface BalancedWorker {
  id: number
  currentUsage: number
}

/** The symbol under which piscina shows a task's own options to the balancer (our `TaskRecord`). */
let RECORD: symbol

type Inputs<W, K extends TaskName<W>> = Iterable<TaskInput<W, K>> | AsyncIterable<TaskInput<W, K>>

/** A pool of worker threads running the tasks of one worker file. Create it with `createPool`. */
export class Pool<W = UntypedWorker> implements AsyncDisposable {
  readonly #piscina: Piscina
  readonly #options: ResolvedPoolOptions
  readonly #events = new Emitter<PoolEvents>(POOL_EVENTS, invalidOption)
  readonly #timeouts = new TaskTimeouts()
  readonly #recycler: Recycler
  readonly #busy = new BusyTime()
  #closed = false
  #destroyed = false
  #inFlight = 0
  #drained: (() => void) | undefined
  #closing: Promise<void> | undefined
  #completed = 0
  #failed = 0
  #crashed = 0
  readonly #onWorkerGone = new Set<() => void>()
  readonly #waiting = new WaitingTasks<TaskRecord>()
  readonly #prefetch = new Prefetch<TaskRecord>()
  /** The cause of the last crash a task saw (an exit code, an error). */
  #lastCrash: unknown

  constructor(options: PoolOptions<W>) {
    this.#options = resolvePoolOptions(options)
    const file = resolveWorkerFile(options.worker)
    const entry = resolveEntry(options.workerEntry, file)
    const { threads, idleTimeout, maxQueue, resourceLimits, maxTasksPerWorker } = this.#options
    const boot: WorkerBoot = { file, initData: options.initData }
    const PiscinaClass = loadPiscina(entry)
    RECORD ??= PiscinaClass.queueOptionsSymbol
    try {
      this.#piscina = new PiscinaClass({
        filename: entry,
        minThreads: idleTimeout === Number.POSITIVE_INFINITY ? threads : 1,
        maxThreads: threads,
        idleTimeout,
        maxQueue,
        resourceLimits,
        // The pool keeps its own run and wait times (stats.ts).
        recordTiming: false,
        workerData: boot,
        loadBalancer: (task, workers) => this.#balance(task as never, workers),
      })
    } catch (error) {
      if (!isCloneError(error)) throw error
      const message = `\`initData\` cannot be sent to the workers: ${(error as Error).message}`
      throw new PoolError('ERR_DATA_CLONE', message, { cause: error })
    }
    this.#recycler = new Recycler(maxTasksPerWorker, () => this.#piscina.threads)
    // A worker that fails with no task on it is replaced; the error itself has no one to go to.
    this.#piscina.on('error', () => {
      this.#crashed++
    })
    this.#piscina.on('message', (message: unknown) => this.#timeouts.onMessage(message))
    this.#piscina.on('workerDestroy', () => {
      for (const check of this.#onWorkerGone) check()
      // Piscina starts a replacement, if it does, right after this event: look once it has.
      if (this.#waiting.size > 0) setImmediate(() => this.#failStranded())
    })
  }

  /** Worker threads the pool runs at most. */
  get threads(): number {
    return this.#options.threads
  }

  /**
   * Listens to `'progress'` (a task settled: `pool.stats()` then) or `'slice'` (a `mapShared` slice
   * finished: `{ task, index, done, total }`). Returns the function that unsubscribes. A listener
   * that throws becomes a process warning; the work goes on.
   */
  on<K extends keyof PoolEvents>(event: K, listener: (payload: PoolEvents[K]) => void): () => void {
    return this.#events.on(event, listener)
  }

  /**
   * Picks the worker for a task: an idle one; else, with `prefetch`, a busy one to start it next, once
   * every worker has started (until then piscina starts one more when no worker is picked). Piscina
   * counts a worker running a task with a signal as fully busy, so such a task never has one behind it.
   */
  #balance(task: { [RECORD]?: TaskRecord | null; isAbortable: boolean }, workers: BalancedWorker[]) {
    const record = task[RECORD] ?? undefined
    const idle = this.#pick(record, workers, 0)
    if (idle) return this.#assign(record, idle, false)
    const ahead =
      this.#options.prefetch &&
      !task.isAbortable &&
      this.#piscina.threads.length >= this.#options.threads &&
      this.#pick(record, workers, 1)
    return ahead ? this.#assign(record, ahead, true) : null
  }

  #pick(record: TaskRecord | undefined, workers: BalancedWorker[], usage: number) {
    const target = record?.target
    return workers.find(
      (worker) =>
        worker.currentUsage === usage &&
        (target !== undefined ? worker.id === target : this.#recycler.accepts(worker.id)),
    )
  }

  #assign(record: TaskRecord | undefined, worker: BalancedWorker, ahead: boolean) {
    if (record) {
      this.#prefetch.place(record, worker.id, ahead)
      this.#waiting.delete(record)
      // A task sent ahead is busy time once the one before it is back (see `#release`).
      if (!ahead) this.#busy.started(record, record.queuedAt)
    }
    this.#recycler.assigned(worker.id)
    return worker as never
  }

  #liveWorkers(): Set<number> {
    return new Set(this.#piscina.threads.map((w) => w.threadId).filter((id) => id >= 0))
  }

  #dispatch(envelope: TaskEnvelope, options: PoolRunOptions = {}, target?: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(closedError())
    const { signal, timeout, transfer } = resolveRunOptions(options)
    const record: TaskRecord = {
      worker: -1,
      target,
      task: envelope.t,
      envelope,
      next: undefined,
      queuedAt: performance.now(),
    }
    ;(envelope as unknown as Record<symbol, TaskRecord>)[RECORD] = record
    const clock = timeout === Number.POSITIVE_INFINITY ? undefined : this.#timeouts.arm(timeout, signal)
    if (clock) envelope.s = clock.id
    const transferList: readonly TransferListItem[] | undefined =
      transfer === 'auto' ? autoTransferList(envelope.c ?? [envelope.i]) : transfer
    const runOptions = { signal: (clock?.signal ?? signal) || null, transferList: transferList as never }
    const failure = { task: envelope.t, clock, timeout, signal, moved: (transferList?.length ?? 0) > 0 }
    return new Promise((resolve, reject) => {
      let answered = false
      // Once, whether piscina settles the task or the pool fails it as one no worker will take.
      const answer = (failed: boolean): boolean => {
        if (answered) return false
        answered = true
        this.#waiting.delete(record)
        this.#inFlight--
        if (failed) this.#failed++
        else this.#completed++
        if (this.#inFlight === 0) this.#drained?.()
        this.#events.emit('progress', () => this.stats())
        return true
      }
      const send = (): void => {
        this.#waiting.add(record, (error) => {
          dropTask(envelope)
          if (answer(true)) reject(error)
        })
        this.#piscina.run(envelope, runOptions).then(
          (value) => {
            this.#release(record, clock)
            if (answer(false)) resolve(value)
          },
          (thrown: unknown) => {
            const failed = this.#failure(record, thrown, failure)
            if (failed === undefined) send()
            else if (answer(true)) reject(failed.error)
          },
        )
      }
      this.#inFlight++
      send()
    })
  }

  /**
   * The error a failed task rejects with; `undefined` when it is to be sent again: its worker was lost
   * while it waited there, or after it finished but before its answer was heard (see `prefetch.ts`).
   */
  #failure(record: TaskRecord, thrown: unknown, task: FailedTask): { error: unknown } | undefined {
    const workerLost = record.worker >= 0 && !this.#liveWorkers().has(record.worker)
    if (workerLost && !this.#destroyed && this.#prefetch.runsAgain(record, task.moved)) {
      this.#busy.settled(record)
      this.#prefetch.unplace(record)
      return undefined
    }
    this.#release(record, task.clock)
    const error = toPoolError(unwrapThrown(thrown), {
      task: task.task,
      destroyed: this.#destroyed,
      timedOut: task.clock?.timedOut ?? false,
      timeout: task.timeout,
      workerLost,
      signal: task.signal,
    })
    if (workerLost) {
      this.#crashed++
      this.#lastCrash = (error as PoolError).cause
    }
    return { error }
  }

  /** What a settled task held: its clock, its worker's busy time, its count towards recycling. */
  #release(record: TaskRecord, clock: ArmedTimeout | undefined): void {
    clock?.dispose()
    this.#busy.settled(record)
    const next = this.#prefetch.settled(record)
    if (next) this.#busy.started(next, next.queuedAt)
    // A worker that reached `maxTasksPerWorker` stops once no task is left on it.
    if (record.worker >= 0 && !this.#prefetch.holds(record.worker)) this.#recycler.settled(record.worker)
  }

  /**
   * No worker is left, and piscina starts none once a new one died before it was ready: the tasks
   * still queued would wait for ever. They fail instead; a later task starts a fresh worker.
   */
  #failStranded(): void {
    if (this.#destroyed || this.#piscina.threads.length > 0) return
    this.#waiting.failAll(
      (record) =>
        new PoolError(
          'ERR_WORKER_CRASHED',
          `No worker could start to run task ${JSON.stringify(record.task)}: each exited before it was ready (while loading the worker file or in init)`,
          { cause: this.#lastCrash },
        ),
    )
  }

  /** Runs task `task` with `input` on a free worker and resolves with its result. */
  run<K extends TaskName<W>>(
    task: K,
    input: TaskInput<W, K>,
    options?: PoolRunOptions,
  ): Promise<TaskOutput<W, K>> {
    const envelope: TaskEnvelope = { t: taskName(task), i: input }
    return this.#dispatch(envelope, options) as Promise<TaskOutput<W, K>>
  }

  #outcomes<R>(inputs: unknown, task: string, options: PoolMapOptions | undefined) {
    const name = taskName(task)
    const source = inputsArgument(inputs)
    const resolved = resolveMapOptions(options, this.#options.threads)
    const { signal, transfer } = resolved
    const runChunk = chunkRunner<R>(name, resolved.chunkSize, (envelope) =>
      this.#dispatch(envelope, { signal, transfer }),
    )
    return windowedOutcomes(source, runChunk, resolved)
  }

  /**
   * Runs `task` on every input, pulling inputs lazily with a bounded window, and yields the results
   * in input order (or as they finish with `ordered: false`). Throws at the first failed input.
   */
  async *map<K extends TaskName<W>>(
    inputs: Inputs<W, K>,
    task: K,
    options?: PoolMapOptions,
  ): AsyncGenerator<TaskOutput<W, K>, void, undefined> {
    for await (const outcome of this.#outcomes<TaskOutput<W, K>>(inputs, task, options)) {
      if (outcome.status === 'rejected') throw outcome.error
      yield outcome.value
    }
  }

  /** `map` collected into an array in input order; rejects with the first failure. */
  async mapAll<K extends TaskName<W>>(
    inputs: Inputs<W, K>,
    task: K,
    options?: Omit<PoolMapOptions, 'ordered'>,
  ): Promise<TaskOutput<W, K>[]> {
    const values: TaskOutput<W, K>[] = []
    for await (const value of this.map(inputs, task, { ...options, ordered: true })) values.push(value)
    return values
  }

  /**
   * Runs `task` on every input and resolves with one outcome per input, in input order:
   * `{ index, status: 'fulfilled', value } | { index, status: 'rejected', error }`. Never rejects for
   * a failed input.
   */
  async settle<K extends TaskName<W>>(
    inputs: Inputs<W, K>,
    task: K,
    options?: Omit<PoolMapOptions, 'ordered'>,
  ): Promise<Outcome<TaskOutput<W, K>>[]> {
    const outcomes: Outcome<TaskOutput<W, K>>[] = []
    const all = this.#outcomes<TaskOutput<W, K>>(inputs, task, { ...options, ordered: true })
    for await (const outcome of all) outcomes.push(outcome)
    return outcomes
  }

  /** Runs `task` once on every live worker (e.g. to refresh a per-worker cache); resolves with each result. */
  async broadcast<K extends TaskName<W>>(task: K, input: TaskInput<W, K>): Promise<TaskOutput<W, K>[]> {
    const name = taskName(task)
    if (this.#closed) throw closedError()
    const results = await Promise.all(
      [...this.#liveWorkers()].map(async (id) => {
        // If the target worker dies before it picks the task up, the task is dropped, not stuck.
        const controller = new AbortController()
        const check = () => {
          if (!this.#liveWorkers().has(id)) controller.abort()
        }
        this.#onWorkerGone.add(check)
        try {
          const value = await this.#dispatch({ t: name, i: input }, { signal: controller.signal }, id)
          return { ran: true, value }
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
   * per-slice results in order, or with their combination when `reduce` is given. Each finished
   * slice emits `'slice'`.
   */
  mapShared<T extends TypedArray, K extends SliceTaskName<W, T>>(
    array: T,
    task: K,
    options: PoolMapSharedOptions<TaskOutput<W, K>> & { reduce: Reducer<TaskOutput<W, K>> },
  ): Promise<TaskOutput<W, K>>
  mapShared<T extends TypedArray, K extends SliceTaskName<W, T>>(
    array: T,
    task: K,
    options?: PoolMapSharedOptions<TaskOutput<W, K>>,
  ): Promise<TaskOutput<W, K>[]>
  async mapShared<T extends TypedArray, K extends SliceTaskName<W, T>>(
    array: T,
    task: K,
    options?: PoolMapSharedOptions<TaskOutput<W, K>>,
  ): Promise<TaskOutput<W, K> | TaskOutput<W, K>[]> {
    const name = taskName(task)
    const total = sharedArrayArgument(array).length
    const resolved = resolveMapSharedOptions(options, total, this.#options.threads)
    return mapSharedSlices<TaskOutput<W, K>>(array, resolved, {
      run: (slice) => this.#dispatch({ t: name, i: slice, m: 1 }),
      finished: (index, done) => this.#events.emit('slice', () => ({ task: name, index, done, total })),
    })
  }

  /** Figures for monitoring: threads, queue, counts, utilization, run and wait time percentiles (ms). */
  stats(): PoolStats {
    const queued = this.#waiting.size + this.#prefetch.waiting()
    return {
      threads: this.#piscina.threads.length,
      queued,
      running: this.#inFlight - queued,
      done: this.#completed,
      failed: this.#failed,
      crashed: this.#crashed,
      utilization: this.#busy.utilization(this.#options.threads),
      runTime: this.#busy.runTime(),
      waitTime: this.#busy.waitTime(),
    }
  }

  /**
   * Stops taking tasks (`ERR_CLOSED`), lets every queued and running task finish, then stops the
   * workers. Idempotent: every call returns the same promise.
   */
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
        await stopWorkers(this.#piscina)
      }
    })()
    return this.#closing
  }

  /** Stops the workers now: queued and running tasks reject with `ERR_CLOSED`. */
  async destroy(): Promise<void> {
    this.#closed = true
    if (this.#destroyed) return
    this.#destroyed = true
    await stopWorkers(this.#piscina)
    this.#drained?.()
  }

  /** `close()`, for `await using pool = createPool(...)`. */
  [asyncDispose](): Promise<void> {
    return this.close()
  }
}

/** Starts a pool of worker threads running the tasks that `options.worker` defines with `defineWorker`. */
export function createPool<W = UntypedWorker>(options: PoolOptions<W>): Pool<W> {
  return new Pool<W>(options)
}
