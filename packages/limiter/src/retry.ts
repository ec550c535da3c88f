import { functionOption, signalOption } from '@boundkit/internal'
import { type AttemptContext, checkOnly } from './attempt'
import { sleep } from './clock'
import { abortedError, invalidOption, userCall, withAttempts } from './errors'
import { isResponseLike } from './http-failure'
import { clockOption, randomOption, resolveRetryOptions, type StandaloneRetryOptions } from './options'
import { decideRetry, type RetryDecision } from './retry-policy'

const neverAborted = new AbortController().signal

/** Cancels the body of a Response we will not hand back, so its connection is freed. */
export function discard(response: unknown): void {
  if (!isResponseLike(response)) return
  try {
    response.body?.cancel?.()?.catch(() => {})
  } catch {
    // A body that cannot be cancelled is left to the garbage collector.
  }
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
  const policy = resolveRetryOptions(options, '')
  const signal = signalOption(invalidOption, 'signal', options.signal)
  const clock = clockOption(options.clock)
  const random = randomOption(options.random)
  const onRetry = functionOption<(event: unknown) => void>(invalidOption, 'onRetry', options.onRetry)
  const firstStart = clock.now()
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortedError(signal.reason, attempt - 1)
    let failure: unknown
    let value: T | undefined
    let failed = false
    try {
      value = await fn({ attempt, signal: signal ?? neverAborted, report: checkOnly })
      if (!isResponseLike(value) || value.ok) return value
      failure = value
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal.reason, attempt)
      failure = error
      failed = true
    }
    let decision: RetryDecision
    try {
      decision = decideRetry(policy, failure, attempt, firstStart, clock.now(), random)
      if (decision.retry && onRetry) {
        userCall('`onRetry`', onRetry, { attempt, delay: decision.delay, failure })
      }
    } catch (error) {
      throw withAttempts(error, attempt)
    }
    if (!decision.retry) {
      // A returned Response is handed back as fetch would; a thrown failure may be wrapped.
      if (!failed) return value as T
      throw decision.error ?? failure
    }
    if (!failed) discard(value)
    await sleep(clock, decision.delay, signal, () => abortedError(signal?.reason, attempt))
  }
}
