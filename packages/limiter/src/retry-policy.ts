import { choiceOption, functionOption, numberOption } from '@boundkit/internal'
import { invalidOption } from './errors'
import { defaultRetryOn, retryAfterOf, statusOf } from './http-failure'

/** `'full'`: uniform in [0, delay] (AWS "full jitter"); `'none'`: the exact delay; or your own. */
export type Jitter = 'full' | 'none' | ((delay: number, attempt: number, random: () => number) => number)

/** How failed attempts are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (so `retries: 3` allows 4 attempts). @default 3 */
  retries?: number
  /** Delay before the first retry, in ms. @default 250 */
  minDelay?: number
  /** Upper bound of any backoff delay, in ms. @default 30000 */
  maxDelay?: number
  /** Growth of the delay per attempt: `minDelay * factor ** (attempt - 1)`. @default 2 */
  factor?: number
  /** Randomisation of each delay. @default 'full' */
  jitter?: Jitter
  /** No retry starts later than this many ms after the first attempt started. @default Infinity */
  maxRetryTime?: number
  /**
   * Whether a failure is worth retrying. `failure` is the thrown error or a returned `Response`.
   * @default network errors, timeouts, HTTP 408/425/429/500/502/503/504 (never AbortError or other 4xx)
   */
  retryOn?: (failure: unknown, attempt: number) => boolean
}

export interface RetryPolicy {
  retries: number
  minDelay: number
  maxDelay: number
  factor: number
  jitter: Jitter
  maxRetryTime: number
  retryOn: (failure: unknown, attempt: number) => boolean
}

export const NO_RETRY: RetryPolicy = {
  retries: 0,
  minDelay: 0,
  maxDelay: 0,
  factor: 1,
  jitter: 'none',
  maxRetryTime: Number.POSITIVE_INFINITY,
  retryOn: defaultRetryOn,
}

/** Validates retry options (`false` turns retries off); `prefix` names them in messages. */
export function retryPolicy(
  options: RetryOptions | false | undefined,
  prefix: string,
  base?: RetryPolicy,
): RetryPolicy {
  if (options === false) return NO_RETRY
  if (options === undefined && base) return base
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    invalidOption(`Expected \`${prefix}\` to be an object or false, got ${JSON.stringify(options)}`)
  }
  const o = options ?? {}
  const name = (key: string) => `${prefix}.${key}`
  const minDelay = numberOption(
    invalidOption,
    name('minDelay'),
    o.minDelay,
    { min: 0 },
    base?.minDelay ?? 250,
  )
  const maxDelay = numberOption(
    invalidOption,
    name('maxDelay'),
    o.maxDelay,
    { min: 0, allowInfinity: true },
    base?.maxDelay ?? 30_000,
  )
  if (maxDelay < minDelay) {
    invalidOption(
      `Expected \`${name('maxDelay')}\` to be >= \`${name('minDelay')}\` (${minDelay}), got ${maxDelay}`,
    )
  }
  let jitter: Jitter = base?.jitter ?? 'full'
  if (typeof o.jitter === 'function') jitter = o.jitter
  else
    jitter = choiceOption<'full' | 'none'>(
      invalidOption,
      name('jitter'),
      o.jitter,
      ['full', 'none'],
      jitter as 'full',
    )
  return {
    retries: numberOption(
      invalidOption,
      name('retries'),
      o.retries,
      { integer: true, min: 0, allowInfinity: true },
      base?.retries ?? 3,
    ),
    minDelay,
    maxDelay,
    factor: numberOption(invalidOption, name('factor'), o.factor, { min: 1 }, base?.factor ?? 2),
    jitter,
    maxRetryTime: numberOption(
      invalidOption,
      name('maxRetryTime'),
      o.maxRetryTime,
      { min: 0, allowInfinity: true },
      base?.maxRetryTime ?? Number.POSITIVE_INFINITY,
    ),
    retryOn:
      functionOption<RetryPolicy['retryOn']>(invalidOption, name('retryOn'), o.retryOn) ??
      base?.retryOn ??
      defaultRetryOn,
  }
}

/** The backoff before retry number `attempt` (1 = after the first attempt failed). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const exact = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** (attempt - 1))
  let delay: number
  if (policy.jitter === 'none') delay = exact
  else if (policy.jitter === 'full') delay = random() * exact
  else delay = policy.jitter(exact, attempt, random)
  return Number.isFinite(delay) && delay > 0 ? delay : 0
}

/** What to do after a failed attempt. */
export type RetryDecision =
  | { retry: true; delay: number; retryAfter: number | undefined }
  | { retry: false; exhausted: boolean; retryAfter: number | undefined }

/**
 * Decides whether attempt number `attempt` (which failed with `failure`, `firstStart` ms being
 * when the first attempt started) is retried, and after how long. A Retry-After on the failure
 * raises the delay to at least that long.
 */
export function decideRetry(
  policy: RetryPolicy,
  failure: unknown,
  attempt: number,
  firstStart: number,
  now: number,
  random: () => number,
): RetryDecision {
  const status = statusOf(failure)
  const retryAfter = status === 429 || status === 503 ? retryAfterOf(failure, now) : undefined
  if (policy.retries === 0) return { retry: false, exhausted: false, retryAfter }
  if (!policy.retryOn(failure, attempt)) return { retry: false, exhausted: false, retryAfter }
  if (attempt > policy.retries) return { retry: false, exhausted: true, retryAfter }
  const delay = Math.max(backoffDelay(policy, attempt, random), retryAfter ?? 0)
  if (now + delay - firstStart > policy.maxRetryTime) return { retry: false, exhausted: true, retryAfter }
  return { retry: true, delay, retryAfter }
}
