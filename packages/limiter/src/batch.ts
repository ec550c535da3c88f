import { expected, Fifo, itemIterator, type KeyedOutcome, type Outcome } from '@boundkit/internal'
import type { ItemContext } from './attempt'
import type { LimiterCore } from './core'
import { costVector } from './cost'
import { abortedError, invalidOption, type LimiterError, userCall } from './errors'
import { Job, type JobCall, type JobSink, jobCall } from './job'
import type { RateLimit, ResolvedCallOptions } from './options'

/** What `map` and `stream` accept: an array, an iterable or an async iterable, of any length. */
export type ItemSource<T> = Iterable<T> | AsyncIterable<T>

type Mode = 'map' | 'settle' | 'stream'

/**
 * Runs `fn` over a source of items through the limiter, pulling items only while fewer than
 * `window` are in flight, so memory is bounded by the window, not by the source.
 */
export class Batch<T, R> implements JobSink {
  readonly #core: LimiterCore
  readonly #call: JobCall
  readonly #fn: (item: T, context: ItemContext) => unknown
  readonly #mode: Mode
  readonly #window: number | undefined
  readonly #signal: AbortSignal | undefined
  readonly #onAbort: (() => void) | undefined
  readonly #cost: ResolvedCallOptions['cost']
  readonly #costOf: ResolvedCallOptions['costOf']
  readonly #keyOf: ResolvedCallOptions['keyOf']
  readonly #weighted: readonly RateLimit[]
  #array: readonly T[] | undefined
  #iterator: Iterator<T> | AsyncIterator<T> | undefined
  #async = false
  #next = 0
  #inFlight = 0
  #pulling = false
  /** Inside `#fill`'s loop: an item refused at launch does not start a nested fill. */
  #filling = false
  #sourceDone = false
  #stopped = false
  #ended = false
  #abortError: LimiterError | undefined
  /** map: values by index; settle: outcomes by index. */
  readonly #results: unknown[] = []
  /** stream: finished outcomes not yet taken. */
  readonly #buffer = new Fifo<Outcome<R>>()
  #wake: (() => void) | undefined
  #resolve: ((value: unknown[]) => void) | undefined
  #reject: ((error: unknown) => void) | undefined
  #failure: { error: unknown } | undefined

  constructor(
    core: LimiterCore,
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => unknown,
    options: ResolvedCallOptions,
    mode: Mode,
    weighted: readonly RateLimit[],
  ) {
    this.#core = core
    this.#cost = options.cost
    this.#costOf = options.costOf
    this.#keyOf = options.keyOf
    this.#weighted = weighted
    this.#call = jobCall(options, this)
    this.#fn = fn
    this.#mode = mode
    this.#window = options.window
    if (Array.isArray(items)) this.#array = items
    else {
      const source = itemIterator(items)
      if (!source) invalidOption(expected('items', 'an iterable or an async iterable', items))
      this.#iterator = source.iterator
      this.#async = source.isAsync
    }
    this.#signal = options.signal
    if (this.#signal) {
      const signal = this.#signal
      this.#onAbort = () => this.abort(signal.reason)
      signal.addEventListener('abort', this.#onAbort, { once: true })
    }
    core.track(this)
  }

  /** Starts pulling; for map, resolves with the results once every item has finished. */
  start(): Promise<unknown[]> | undefined {
    let promise: Promise<unknown[]> | undefined
    if (this.#mode !== 'stream') {
      promise = new Promise((resolve, reject) => {
        this.#resolve = resolve
        this.#reject = reject
      })
    }
    if (this.#signal?.aborted) this.abort(this.#signal.reason)
    else this.#fill()
    return promise
  }

  #windowSize(): number {
    if (this.#window !== undefined) return this.#window
    const c = this.#core.concurrency
    return Number.isFinite(c) ? Math.max(2 * c, 1) : 1024
  }

  #fill(): void {
    if (this.#pulling || this.#stopped || this.#filling) return
    this.#filling = true
    try {
      this.#pull()
    } finally {
      this.#filling = false
    }
  }

  #pull(): void {
    const limit = this.#windowSize()
    while (!this.#sourceDone && this.#inFlight < limit) {
      if (this.#array) {
        if (this.#next >= this.#array.length) this.#sourceDone = true
        else this.#launch(this.#array[this.#next] as T)
        continue
      }
      let step: IteratorResult<T> | Promise<IteratorResult<T>>
      try {
        step = this.#iterator!.next()
      } catch (error) {
        this.#sourceFailed(error)
        return
      }
      if (this.#async) {
        this.#pulling = true
        Promise.resolve(step).then(
          (result) => {
            this.#pulling = false
            if (this.#stopped) {
              if (this.#mode === 'settle' && this.#abortError) {
                if (result.done) this.#sourceDone = true
                else {
                  this.#recordAborted(result.value)
                  this.#reportRest()
                }
              } else if (!result.done) this.#closeSource()
              this.#checkEnd()
              return
            }
            if (result.done) this.#sourceDone = true
            else this.#launch(result.value)
            this.#fill()
          },
          (error) => {
            this.#pulling = false
            this.#sourceFailed(error)
          },
        )
        return
      }
      const result = step as IteratorResult<T>
      if (result.done) this.#sourceDone = true
      else this.#launch(result.value)
    }
    this.#checkEnd()
  }

  #launch(item: T): void {
    const index = this.#next++
    this.#inFlight++
    const job = new Job(this.#call, this.#fn, index, item)
    job.cost = this.#cost
    if (this.#keyOf !== undefined || this.#costOf !== undefined) {
      try {
        if (this.#keyOf !== undefined) job.key = userCall('`key`', this.#keyOf, item, index)
        if (this.#costOf !== undefined) {
          const cost = userCall('`cost`', this.#costOf, item, index)
          job.cost = costVector(cost, this.#weighted, `cost(item ${index})`)
        }
      } catch (error) {
        this.#core.refuse(job, error)
        return
      }
    }
    this.#core.enqueue(job)
  }

  /** Item `index`'s outcome, with its `key` when the call has a `key` function. */
  #outcome(
    index: number,
    key: unknown,
    ok: boolean,
    value: unknown,
    attempts: number,
  ): Outcome<R> | KeyedOutcome<R, unknown> {
    if (this.#keyOf === undefined) {
      return ok
        ? { index, status: 'fulfilled', value: value as R, attempts }
        : { index, status: 'rejected', error: value, attempts }
    }
    return ok
      ? { index, key, status: 'fulfilled', value: value as R, attempts }
      : { index, key, status: 'rejected', error: value, attempts }
  }

  settled(job: Job, ok: boolean, value: unknown): void {
    if (this.#ended) return
    const index = job.index
    if (this.#mode === 'map') {
      this.#inFlight--
      if (ok) this.#results[index] = value
      else if (!this.#failure) {
        this.#failure = { error: value }
        this.#stop()
        this.#cancelJobs(value)
      }
    } else {
      const outcome = this.#outcome(index, job.key, ok, value, job.attempt)
      if (this.#mode === 'settle') {
        this.#inFlight--
        this.#results[index] = outcome
      } else {
        this.#buffer.push(outcome)
        this.#wakeConsumer()
        return
      }
    }
    if (this.#failure || this.#stopped) this.#checkEnd()
    else this.#fill()
  }

  /** stream: the next finished outcome, `undefined` at the end; throws the source's error or ERR_ABORTED. */
  async take(): Promise<Outcome<R> | undefined> {
    for (;;) {
      const outcome = this.#buffer.shift()
      if (outcome !== undefined) {
        this.#inFlight--
        if (!this.#stopped) this.#fill()
        return outcome
      }
      if (this.#inFlight === 0 && (this.#sourceDone || this.#stopped) && !this.#pulling) {
        this.#finishBatch()
        if (this.#failure) throw this.#failure.error
        if (this.#abortError) throw this.#abortError
        return undefined
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }

  #wakeConsumer(): void {
    const wake = this.#wake
    if (wake) {
      this.#wake = undefined
      wake()
    }
  }

  /** Stops pulling; in-flight jobs of this batch end with ERR_ABORTED. */
  abort(reason: unknown): void {
    if (this.#stopped || this.#ended) return
    this.#abortError = abortedError(reason)
    this.#stop()
    // settle: report the rest first, so the batch does not end when its last in-flight job does.
    if (this.#mode === 'settle' && !this.#pulling) this.#reportRest()
    this.#cancelJobs(reason)
    this.#checkEnd()
  }

  /** settle + abort: every remaining item of a finite source is reported as aborted, never run. */
  #recordAborted(item: T): void {
    const index = this.#next++
    let key: unknown
    try {
      key = this.#keyOf?.(item, index)
    } catch {
      // The item is reported as aborted either way; a key that cannot be computed is left out.
    }
    this.#results[index] = this.#outcome(index, key, false, this.#abortError, 0)
  }

  #reportRest(): void {
    const record = (item: T) => this.#recordAborted(item)
    if (this.#array) {
      while (this.#next < this.#array.length) record(this.#array[this.#next] as T)
      this.#sourceDone = true
      return
    }
    if (this.#async) {
      const iterator = this.#iterator as AsyncIterator<T>
      this.#pulling = true
      const pull = (): Promise<void> =>
        Promise.resolve(iterator.next()).then((result) => {
          if (result.done) return
          record(result.value)
          return pull()
        })
      pull().then(
        () => {
          this.#pulling = false
          this.#sourceDone = true
          this.#checkEnd()
        },
        (error) => {
          this.#pulling = false
          this.#sourceFailed(error)
        },
      )
      return
    }
    try {
      const iterator = this.#iterator as Iterator<T>
      for (let r = iterator.next(); !r.done; r = iterator.next()) record(r.value)
      this.#sourceDone = true
    } catch (error) {
      this.#sourceFailed(error)
    }
  }

  /** stream: the consumer stopped early; cancel what is still in flight. */
  close(): void {
    if (this.#ended) return
    this.#stop()
    this.#cancelJobs('stream closed')
    this.#finishBatch()
  }

  /** Ends this batch's live jobs with `ERR_ABORTED` (`reason` as the cause). */
  #cancelJobs(reason: unknown): void {
    this.#core.cancelWhere(
      (job) => abortedError(reason, job.attempt),
      (job) => job.call === this.#call,
    )
  }

  #stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    if (!this.#pulling && this.#mode !== 'settle') this.#closeSource()
  }

  #closeSource(): void {
    const iterator = this.#iterator
    this.#iterator = undefined
    if (iterator?.return) {
      try {
        const done = iterator.return()
        if (this.#async) Promise.resolve(done).catch(() => {})
      } catch {
        // A source that fails while closing has nothing more to give.
      }
    }
  }

  #sourceFailed(error: unknown): void {
    if (this.#failure) return
    this.#failure = { error }
    this.#stopped = true
    this.#sourceDone = true
    this.#cancelJobs(error)
    this.#checkEnd()
  }

  #checkEnd(): void {
    if (this.#ended || this.#pulling) return
    if (this.#mode === 'stream') {
      this.#wakeConsumer()
      return
    }
    const failed = this.#failure !== undefined
    const complete = this.#inFlight === 0 && (this.#sourceDone || this.#stopped)
    if (!failed && !complete) return
    if (failed && this.#mode === 'map') {
      this.#finishBatch()
      this.#reject!(this.#failure!.error)
      return
    }
    if (!complete) return
    this.#finishBatch()
    if (failed) this.#reject!(this.#failure!.error)
    else if (this.#abortError && this.#mode === 'map') this.#reject!(this.#abortError)
    else this.#resolve!(this.#results)
  }

  #finishBatch(): void {
    if (this.#ended) return
    this.#ended = true
    this.#core.untrack(this)
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort)
  }
}
