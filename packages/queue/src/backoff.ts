/**
 * How long a failed job waits before its next attempt: as the limiter waits before a retry in one
 * process (the delay doubles from `backoff`, capped at 30 s, full jitter), and never less than the
 * `Retry-After` its answer asked for. BullMQ calls a custom strategy only for a backoff type it does
 * not know: the jobs of `distribute` name this one, and workers register it.
 */
import type { BackoffStrategy } from 'bullmq'

/** The backoff type of the jobs `distribute` adds. */
export const BACKOFF_TYPE = 'boundkit'

/** The longest backoff between two attempts, ms (the limiter's default `retry.maxDelay`). */
export const MAX_BACKOFF_MS = 30_000

/** A job's `backoff` option: the first retry after up to `delay` ms. */
export function jobBackoff(delay: number): { type: string; delay: number; jitter: number } {
  return { type: BACKOFF_TYPE, delay, jitter: 1 }
}

/**
 * The delay before the attempt after `attemptsMade` failed ones: within `[(1 - jitter) x exact,
 * exact]`, `exact` being `delay x 2^(attemptsMade - 1)` capped at 30 s, and at least the failure's
 * `retryAfter` (ms), which the worker sets from a 503's `Retry-After`.
 */
export function backoffStrategy(random: () => number = Math.random): BackoffStrategy {
  return (attemptsMade, _type, error, job) => {
    const given = job?.opts.backoff
    const options: { delay?: number; jitter?: number } =
      typeof given === 'object' ? given : { delay: given ?? 0 }
    const exact = Math.min(MAX_BACKOFF_MS, (options.delay ?? 0) * 2 ** Math.max(0, attemptsMade - 1))
    const jitter = Math.min(1, Math.max(0, options.jitter ?? 0))
    const delay = exact * (1 - jitter * random())
    const retryAfter = (error as { retryAfter?: unknown } | undefined)?.retryAfter
    return Math.round(Math.max(delay, typeof retryAfter === 'number' ? retryAfter : 0))
  }
}
