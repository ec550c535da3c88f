import { signalOption } from '@boundkit/internal'
import { Batch, type ItemSource, type Outcome } from './batch'
import { Job, LimiterCore } from './core'
import { abortedError, invalidOption, LimiterError } from './errors'
import {
  type BatchOptions,
  type CallOptions,
  checkConcurrency,
  checkTimeout,
  type LimiterOptions,
  resolveOptions,
} from './options'
import type { AttemptContext } from './retry'
import { type RetryPolicy, retryPolicy } from './retry-policy'
import type { LimiterEvents, LimiterStats } from './stats'

/** What `map`/`stream` pass to `fn` besides the item. */
export interface ItemContext extends AttemptContext {
  /** The item's position in the input. */
  readonly index: number
}

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose)

/**
 * Runs async work under a concurrency limit, rate windows and a Retry-After cooldown, with
 * retries that give their slot back while they wait. Create one with `createLimiter`.
 */
export class Limiter {
  readonly #core: LimiterCore

  constructor(options: LimiterOptions = {}) {
    const resolved = resolveOptions(options)
    this.#core = new LimiterCore(resolved, options.clock, options.random)
  }

  /** Runs `fn({ signal, attempt })` under the limits, retrying per the policy. */
  run<T>(fn: (context: AttemptContext) => T | PromiseLike<T>, options?: CallOptions): Promise<Awaited<T>> {
    const core = this.#core
    if (typeof fn !== 'function') {
      return Promise.reject(new LimiterError('ERR_INVALID_OPTION', 'Expected `fn` to be a function'))
    }
    let policy: RetryPolicy = core.options.retry
    let timeout = core.options.timeout
    let signal: AbortSignal | undefined
    if (options !== undefined) {
      try {
        policy = retryPolicy(options.retry, 'retry', policy)
        timeout = checkTimeout('timeout', options.timeout, timeout)
        signal = signalOption(invalidOption, 'signal', options.signal)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    const refusal = this.#refusal(signal)
    if (refusal) return Promise.reject(refusal)
    const guarded = timeout !== undefined || signal !== undefined || core.options.signal !== undefined
    return new Promise((resolve, reject) => {
      const job = new Job(fn, undefined, 0, undefined, signal, timeout, policy, guarded)
      job.resolve = resolve as (value: unknown) => void
      job.reject = reject
      core.enqueue(job)
    })
  }

  /**
   * Runs `fn(item, context)` for every item and resolves with the results in input order; rejects
   * with the first failure (unless `settle`). Items are pulled only as slots free up.
   */
  map<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options: BatchOptions & { settle: true },
  ): Promise<Outcome<Awaited<R>>[]>
  map<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options?: BatchOptions & { settle?: false },
  ): Promise<Awaited<R>[]>
  map<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options: BatchOptions = {},
  ): Promise<unknown[]> {
    try {
      const batch = this.#batch(items, fn, options, options.settle === true ? 'settle' : 'map')
      return batch.start()!
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Runs `fn(item, context)` for every item and yields each outcome as it finishes (completion
   * order). Never throws for an item; throws if the source throws or the call is aborted.
   * Stopping the loop early cancels what is still in flight.
   */
  async *stream<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options: CallOptions & { window?: number } = {},
  ): AsyncGenerator<Outcome<Awaited<R>>, void, undefined> {
    const batch = this.#batch<T, Awaited<R>>(items, fn, options, 'stream')
    batch.start()
    try {
      for (;;) {
        const outcome = await batch.take()
        if (outcome === undefined) return
        yield outcome
      }
    } finally {
      batch.close()
    }
  }

  #batch<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => unknown,
    options: BatchOptions,
    mode: 'map' | 'settle' | 'stream',
  ): Batch<T, R> {
    const core = this.#core
    if (typeof fn !== 'function') invalidOption('Expected `fn` to be a function')
    if (typeof options !== 'object' || options === null) invalidOption('Expected `options` to be an object')
    const policy = retryPolicy(options.retry, 'retry', core.options.retry)
    const timeout = checkTimeout('timeout', options.timeout, core.options.timeout)
    const signal = signalOption(invalidOption, 'signal', options.signal)
    const refusal = this.#refusal(undefined)
    if (refusal) throw refusal
    return new Batch<T, R>(core, items, fn, { ...options, signal }, mode, policy, timeout)
  }

  #refusal(signal: AbortSignal | undefined): LimiterError | undefined {
    const core = this.#core
    if (core.aborted) return abortedError(core.abortReason, 0)
    if (core.closed) return new LimiterError('ERR_CLOSED', 'The limiter is closed')
    if (signal?.aborted) return abortedError(signal.reason, 0)
    return undefined
  }

  /** Stops starting attempts (running ones continue) until `resume()`. */
  pause(): void {
    this.#core.pause()
  }

  resume(): void {
    this.#core.resume()
  }

  /** Resolves when no job is queued, running or waiting for a retry. */
  onIdle(): Promise<void> {
    return this.#core.onIdle()
  }

  /** Ends every queued job and every job waiting for a retry with `ERR_CLEARED`; running ones continue. */
  clear(): void {
    this.#core.clear()
  }

  /** Refuses new work (`ERR_CLOSED`) and resolves once the work already given has ended. */
  close(): Promise<void> {
    this.#core.closed = true
    return this.#core.onIdle()
  }

  [asyncDispose](): Promise<void> {
    return this.close()
  }

  /** Attempts allowed to run at once. Raising it starts queued work at once. */
  get concurrency(): number {
    return this.#core.concurrency
  }

  set concurrency(value: number) {
    this.#core.concurrency = checkConcurrency(value)
  }

  /** A snapshot of the counters. */
  get stats(): LimiterStats {
    return this.#core.stats()
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof LimiterEvents>(event: K, listener: (payload: LimiterEvents[K]) => void): () => void {
    if (typeof listener !== 'function') invalidOption('Expected `listener` to be a function')
    return this.#core.on(event, listener)
  }
}

/** Creates a limiter; see `LimiterOptions` for every option and its default. */
export function createLimiter(options: LimiterOptions = {}): Limiter {
  return new Limiter(options)
}
