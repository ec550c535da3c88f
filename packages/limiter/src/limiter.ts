import { asyncDispose, type KeyedOutcome, type Outcome } from '@boundkit/internal'
import type { AttemptContext, ItemContext } from './attempt'
import { Batch, type ItemSource } from './batch'
import { LimiterCore } from './core'
import { costVector } from './cost'
import { invalidOption } from './errors'
import type { LimiterEvents } from './events'
import { Job, type JobCall, jobCall, promiseOf } from './job'
import {
  concurrencyOption,
  type LimiterMapOptions,
  type LimiterOptions,
  type LimiterRunOptions,
  type LimiterStreamOptions,
  type ResolvedCallOptions,
  type ResolvedLimiterOptions,
  resolveCallOptions,
  resolveLimiterOptions,
} from './options'
import type { LimiterStats } from './stats'

/** `options` is an object with no key but `cost`. */
function costOnly(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return false
  for (const key in options) if (key !== 'cost') return false
  return true
}

/** Options `O` whose `key` function is given: the outcomes are then `KeyedOutcome<R, K>`. */
type WithKey<O, T, K> = Omit<O, 'key'> & { key: (item: T, index: number) => K }

function checkFn(fn: unknown): void {
  if (typeof fn !== 'function') invalidOption('Expected `fn` to be a function')
}

/**
 * Runs async work under a concurrency limit, rate windows and a Retry-After cooldown, with
 * retries that give their slot back while they wait. Create one with `createLimiter`.
 */
export class Limiter {
  readonly #options: ResolvedLimiterOptions
  readonly #core: LimiterCore
  /** The limiter's own settings as a call's, for `run(fn)` and `run(fn, { cost })`. */
  readonly #defaults: ResolvedCallOptions
  /** What the jobs of those calls share. */
  readonly #defaultCall: JobCall

  constructor(options: LimiterOptions = {}) {
    this.#options = resolveLimiterOptions(options)
    this.#core = new LimiterCore(this.#options)
    this.#defaults = resolveCallOptions(undefined, { ...this.#options, weighted: [] }, 'run')
    this.#defaultCall = jobCall(this.#defaults)
  }

  /**
   * Runs `fn({ signal, attempt, report })` under the limits, retrying per the policy. A `cost`
   * above a weighted window's limit rejects at once with `ERR_COST_TOO_HIGH`.
   */
  run<T>(
    fn: (context: AttemptContext) => T | PromiseLike<T>,
    options?: LimiterRunOptions,
  ): Promise<Awaited<T>> {
    let call: ResolvedCallOptions
    let cost: readonly number[] | undefined
    try {
      checkFn(fn)
      if (options === undefined || costOnly(options)) {
        // The common calls skip the per-call checks: only the cost (if any) is the call's own.
        call = this.#defaults
        cost = costVector(options?.cost, this.#options.weighted, 'cost')
      } else {
        call = resolveCallOptions(options, this.#options, 'run')
        cost = call.cost
      }
    } catch (error) {
      return Promise.reject(error)
    }
    const refusal = this.#core.refusal(call.signal)
    if (refusal) return Promise.reject(refusal)
    const job = new Job(call === this.#defaults ? this.#defaultCall : jobCall(call), fn)
    job.cost = cost
    const promise = promiseOf(job) as Promise<Awaited<T>>
    try {
      this.#core.enqueue(job)
    } catch (error) {
      job.reject!(error)
    }
    return promise
  }

  /**
   * Runs `fn(item, context)` for every item and resolves with the results in input order; rejects
   * with the first failure (unless `settle`). Items are pulled only as slots free up. With `settle`
   * and `key`, each outcome carries its item's key.
   */
  map<T, R, K>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options: WithKey<LimiterMapOptions<T>, T, K> & { settle: true },
  ): Promise<KeyedOutcome<Awaited<R>, K>[]>
  map<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options: LimiterMapOptions<T> & { settle: true },
  ): Promise<Outcome<Awaited<R>>[]>
  map<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options?: LimiterMapOptions<T> & { settle?: false; key?: undefined },
  ): Promise<Awaited<R>[]>
  map<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options?: LimiterMapOptions<T>,
  ): Promise<unknown[]> {
    try {
      return this.#batch(items, fn, options, 'map').start()!
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Runs `fn(item, context)` for every item and yields each outcome as it finishes (completion
   * order). Never throws for an item; throws if the source throws or the call is aborted.
   * Stopping the loop early cancels what is still in flight. With `key`, each outcome carries its
   * item's key.
   */
  stream<T, R, K>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options: WithKey<LimiterStreamOptions<T>, T, K>,
  ): AsyncGenerator<KeyedOutcome<Awaited<R>, K>, void, undefined>
  stream<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options?: LimiterStreamOptions<T>,
  ): AsyncGenerator<Outcome<Awaited<R>>, void, undefined>
  async *stream<T, R>(
    items: ItemSource<T>,
    fn: (item: T, context: ItemContext) => R | PromiseLike<R>,
    options?: LimiterStreamOptions<T>,
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
    options: LimiterMapOptions<T> | undefined,
    kind: 'map' | 'stream',
  ): Batch<T, R> {
    checkFn(fn)
    const call = resolveCallOptions(options as LimiterMapOptions | undefined, this.#options, kind)
    const refusal = this.#core.refusal(undefined)
    if (refusal) throw refusal
    const mode = kind === 'stream' ? 'stream' : call.settle ? 'settle' : 'map'
    return new Batch<T, R>(this.#core, items, fn, call, mode, this.#options.weighted)
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

  /**
   * Ends every queued job and every job waiting out a backoff or a cooldown with `ERR_CLEARED`;
   * running ones continue.
   */
  clear(): void {
    this.#core.clear()
  }

  /**
   * Refuses new work (`ERR_CLOSED`); running attempts and queued jobs go on, jobs waiting out a
   * retry backoff or a Retry-After cooldown end with `ERR_CLOSED` at once. Resolves once every job
   * has ended; calling it again returns the same promise.
   */
  close(): Promise<void> {
    return this.#core.close()
  }

  [asyncDispose](): Promise<void> {
    return this.close()
  }

  /**
   * Attempts allowed to run at once (with adaptive concurrency, its current limit). Setting it fixes
   * the concurrency (adaptive concurrency stops); raising it starts queued work at once.
   */
  get concurrency(): number {
    return this.#core.concurrency
  }

  set concurrency(value: number) {
    this.#core.concurrency = concurrencyOption(value)
  }

  /** A fresh snapshot of the counters. */
  stats(): LimiterStats {
    return this.#core.stats()
  }

  /**
   * Subscribes to `'progress'` (the stats), `'retry'`, `'cooldown'`, `'idle'` or `'concurrency'`; returns the
   * function that unsubscribes. A listener that throws becomes a process warning; the work goes on.
   */
  on<K extends keyof LimiterEvents>(event: K, listener: (payload: LimiterEvents[K]) => void): () => void {
    return this.#core.events.on(event, listener)
  }
}

/** Creates a limiter; see `LimiterOptions` for every option and its default. */
export function createLimiter(options: LimiterOptions = {}): Limiter {
  return new Limiter(options)
}
