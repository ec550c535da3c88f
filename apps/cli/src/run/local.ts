import {
  createLimiter,
  type ItemContext,
  type Limiter,
  type LimiterCost,
  type LimiterOptions,
  type Outcome,
} from '@boundkit/limiter'
import {
  BudgetReachedError,
  type Executor,
  type ExecutorHooks,
  type ExecutorReading,
  InterruptedError,
  type OpenExecutor,
  type Pending,
  type RequestStats,
} from './executor'
import { RetryTally } from './retry-tally'

/** How this process sends a run's records: the limiter's options, each record's cost, one attempt. */
export interface LocalRequests<A> {
  limiter: LimiterOptions
  /** Each record's cost for the limiter's weighted windows, when it has some. */
  cost?: (item: Pending) => LimiterCost
  /** One attempt of a record's request; `signal` ends with the attempt. */
  request(item: Pending, signal: AbortSignal, context: ItemContext): Promise<A>
}

/** The records sent from this process, through a limiter. */
class LocalExecutor<A> implements Executor<A> {
  readonly #spec: LocalRequests<A>
  readonly #limiter: Limiter
  #stopping = false
  #requests = 0
  /** The failed attempts that were retried. */
  readonly #retried = new RetryTally()

  constructor(spec: LocalRequests<A>) {
    this.#spec = spec
    this.#limiter = createLimiter(spec.limiter)
    this.#limiter.on('retry', ({ failure }) => this.#retried.add(failure))
  }

  outcomes(items: AsyncIterable<Pending>, hooks: ExecutorHooks): AsyncIterable<Outcome<A>> {
    const request = async (item: Pending, context: ItemContext): Promise<A> => {
      if (this.#stopping) throw new InterruptedError('Not started: the batch was interrupted')
      if (!hooks.started(item))
        throw new BudgetReachedError('Not started: its worst case would pass --max-cost')
      this.#requests++
      // The attempt's own signal only: on Node 20, AbortSignal.any() with a signal that lives as long
      // as the run keeps every request's signal alive (measured: +0.8 KB of memory a request). A
      // second Ctrl-C exits the process, which ends the requests in flight anyway.
      return this.#spec.request(item, context.signal, context)
    }
    const cost = this.#spec.cost
    return this.#limiter.stream(
      items,
      request,
      cost === undefined ? {} : { cost: (item: Pending) => cost(item) },
    )
  }

  stop(): string {
    // Ctrl-C and --max-cost alike: the requests in flight finish, nothing else starts.
    this.#stopping = true
    // Queued records end with ERR_CLEARED; records waiting out a backoff or a Retry-After, and any
    // retryable failure from now on, end with ERR_CLOSED at once; requests in flight finish.
    this.#limiter.clear()
    this.#limiter.close().catch(() => {})
    return 'no new requests or retries; waiting for the ones in flight'
  }

  requests(): number {
    return this.#requests
  }

  live(): ExecutorReading {
    return {
      limiter: this.#limiter.stats(),
      ...this.#retried.reading(),
    }
  }

  async close(): Promise<RequestStats> {
    const stats = this.#limiter.stats()
    await this.#limiter.close().catch(() => {})
    return {
      requests: this.#requests,
      retries: stats.retried,
      rateLimited: stats.rateLimited,
      cooldowns: stats.cooldowns,
      cooldownMs: Math.round(stats.cooldownMs),
      concurrency: stats.concurrency,
    }
  }
}

/** A run whose records this process sends itself, through a limiter. */
export function local<A>(spec: LocalRequests<A>): OpenExecutor<A> {
  return async () => new LocalExecutor(spec)
}
