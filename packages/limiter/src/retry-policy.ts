import { LimiterError, userCall } from './errors'
import { headersOf, retryAfterOf, statusOf } from './http-failure'
import type { RetryPolicy } from './options'
import { rateInfo } from './rate-headers'

/** The backoff before retry number `attempt` (1 = after the first attempt failed), in [0, maxDelay]. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const exact = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** (attempt - 1))
  const jitter = policy.jitter
  let delay: number
  if (jitter === 'none') delay = exact
  else if (jitter === 'full') delay = userCall('`random`', random) * exact
  else delay = userCall('`retry.jitter`', jitter, exact, attempt, random)
  return delay > 0 ? Math.min(delay, policy.maxDelay) : 0
}

/** The server's wait of a 429 or 503: how long (ms), and whether it is a rate limit. */
interface ServerWait {
  /** The Retry-After (or a spent budget's reset) in ms; undefined when the failure asks for none. */
  retryAfter: number | undefined
  /** A 429, or rate-limit headers saying a budget is spent: the wait applies to every request. */
  rateLimited: boolean
}

/**
 * What to do after a failed attempt: retry after `delay` ms, or end with `error` (undefined: the
 * failure itself). `retryAfter` is the server's Retry-After in ms, when a 429/503 carried one;
 * `rateLimited` says it is a rate limit (the limiter then cools down at once).
 */
export type RetryDecision = ServerWait &
  ({ retry: true; delay: number } | { retry: false; error: LimiterError | undefined })

/**
 * Decides whether attempt number `attempt` (which failed with `failure`, `firstStart` ms being
 * when the first attempt started) is retried, and after how long. A Retry-After on the failure
 * raises the delay to at least that long, or ends the job when it is longer than `maxRetryAfter`.
 * A user callback that throws (`retryOn`, a jitter function, `random`, a Response's `headers.get`)
 * throws `ERR_CALLBACK_FAILED`.
 */
export function decideRetry(
  policy: RetryPolicy,
  failure: unknown,
  attempt: number,
  firstStart: number,
  now: number,
  random: () => number,
): RetryDecision {
  const wait = userCall("Reading the failure's status or Retry-After", serverWait, policy, failure, now)
  const retryAfter = wait.retryAfter
  const end = (error: LimiterError | undefined): RetryDecision => ({ retry: false, error, ...wait })
  if (policy.retries === 0) return end(undefined)
  if (!userCall('`retryOn`', policy.retryOn, failure, attempt)) return end(undefined)
  if (attempt > policy.retries) return end(exhausted(failure, attempt))
  if (retryAfter !== undefined && !(retryAfter <= policy.maxRetryAfter && Number.isFinite(retryAfter))) {
    return end(
      new LimiterError(
        'ERR_RETRY_AFTER_TOO_LONG',
        `The server asked to retry after ${retryAfter} ms, more than maxRetryAfter (${policy.maxRetryAfter} ms)`,
        { cause: failure, attempts: attempt },
      ),
    )
  }
  const delay = Math.max(backoffDelay(policy, attempt, random), retryAfter ?? 0)
  if (now + delay - firstStart > policy.maxRetryTime) return end(exhausted(failure, attempt))
  return { retry: true, delay, ...wait }
}

const NO_WAIT: ServerWait = { retryAfter: undefined, rateLimited: false }

/**
 * A 429's or 503's Retry-After; for a 429 without one, the reset of a rate-limit header family that
 * says nothing remains (capped at `maxRetryAfter`: a server's absurd reset does not fail the item).
 * A 429 is a rate limit; so is a 503 whose rate-limit headers say a budget is spent.
 */
function serverWait(policy: RetryPolicy, failure: unknown, now: number): ServerWait {
  const status = statusOf(failure)
  if (status !== 429 && status !== 503) return NO_WAIT
  const retryAfter = retryAfterOf(failure, now)
  if (retryAfter === undefined && status === 503) return NO_WAIT
  let reset: number | undefined
  if (policy.resets !== undefined && (retryAfter === undefined || status === 503)) {
    for (const info of rateInfo(headersOf(failure), policy.resets, now)) {
      if (info.remaining === 0 && (reset === undefined || info.resetMs > reset)) reset = info.resetMs
    }
  }
  if (status === 503) return { retryAfter, rateLimited: reset !== undefined }
  if (retryAfter !== undefined) return { retryAfter, rateLimited: true }
  return {
    retryAfter: reset === undefined ? undefined : Math.min(reset, policy.maxRetryAfter),
    rateLimited: true,
  }
}

function exhausted(failure: unknown, attempts: number): LimiterError {
  return new LimiterError('ERR_RETRIES_EXHAUSTED', `Gave up after ${attempts} attempts`, {
    cause: failure,
    attempts,
  })
}
