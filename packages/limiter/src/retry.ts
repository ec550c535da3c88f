import { signalOption } from '@boundkit/internal'
import { type Clock, sleep, systemClock } from './clock'
import { abortedError, invalidOption, LimiterError } from './errors'
import { isResponseLike } from './http-failure'
import { decideRetry, type RetryOptions, retryPolicy } from './retry-policy'

/** What each attempt receives. */
export interface AttemptContext {
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number
  /** Aborts when the caller's signal aborts, or (in a limiter) when the attempt times out. */
  readonly signal: AbortSignal
}

/** Information about a retry about to be scheduled. */
export interface RetryEvent {
  /** The attempt that failed. */
  attempt: number
  /** Milliseconds until the next attempt. */
  delay: number
  /** The thrown error or returned Response. */
  failure: unknown
}

export interface StandaloneRetryOptions extends RetryOptions {
  /** Stops waiting and retrying; the promise rejects with `ERR_ABORTED`. */
  signal?: AbortSignal
  /** Time source. @default the system clock */
  clock?: Clock
  /** Random source in [0, 1) for jitter. @default Math.random */
  random?: () => number
  /** Called before each retry waits. */
  onRetry?: (event: RetryEvent) => void
}

const neverAborted = new AbortController().signal

/** Cancels the body of a Response we will not hand back, so its connection is freed. */
export function discard(response: unknown): void {
  if (isResponseLike(response)) response.body?.cancel?.()?.catch(() => {})
}

/**
 * Calls `fn` until it succeeds, a failure is not retryable, or the retry budget runs out
 * (`ERR_RETRIES_EXHAUSTED`, the last failure as `cause`). A returned `Response` whose status
 * `retryOn` accepts is retried too; the last one is returned when retries run out.
 */
export async function retry<T>(
  fn: (context: AttemptContext) => T | PromiseLike<T>,
  options: StandaloneRetryOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') invalidOption('Expected `fn` to be a function')
  const policy = retryPolicy(options, 'retry')
  const signal = signalOption(invalidOption, 'signal', options.signal)
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const firstStart = clock.now()
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortedError(signal.reason, attempt - 1)
    let failure: unknown
    let value: T | undefined
    let failed = false
    try {
      value = await fn({ attempt, signal: signal ?? neverAborted })
      if (!isResponseLike(value) || value.ok) return value
      failure = value
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal.reason, attempt)
      failure = error
      failed = true
    }
    const decision = decideRetry(policy, failure, attempt, firstStart, clock.now(), random)
    if (!decision.retry) {
      if (!failed) return value as T
      if (decision.exhausted) {
        throw new LimiterError('ERR_RETRIES_EXHAUSTED', `Gave up after ${attempt} attempts`, {
          cause: failure,
          attempts: attempt,
        })
      }
      throw failure
    }
    if (!failed) discard(value)
    options.onRetry?.({ attempt, delay: decision.delay, failure })
    await sleep(clock, decision.delay, signal, () => abortedError(signal?.reason, attempt))
  }
}
