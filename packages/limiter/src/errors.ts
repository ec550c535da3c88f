import { BoundkitError, describeValue, type Fail, optionFailure } from '@boundkit/internal'

/** The codes a `LimiterError` carries; the package README explains each. */
export type LimiterErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_RETRIES_EXHAUSTED'
  | 'ERR_RETRY_AFTER_TOO_LONG'
  | 'ERR_CALLBACK_FAILED'
  | 'ERR_COST_TOO_HIGH'
  | 'ERR_CLEARED'
  | 'ERR_CLOSED'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class LimiterError extends BoundkitError<LimiterErrorCode> {
  override name = 'LimiterError'
  /** Attempts made before the error, where a job failed with it. */
  attempts?: number

  constructor(code: LimiterErrorCode, message: string, options?: { cause?: unknown; attempts?: number }) {
    super(code, message, options)
    if (options?.attempts !== undefined) this.attempts = options.attempts
  }
}

/** Throws `ERR_INVALID_OPTION` with what was expected and what was given: the `fail` of the option checks. */
export const invalidOption: Fail = optionFailure((message) => new LimiterError('ERR_INVALID_OPTION', message))

export function isLimiterError(error: unknown, code: LimiterErrorCode): error is LimiterError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'LimiterError' &&
    (error as { code?: unknown }).code === code
  )
}

export function abortedError(reason: unknown, attempts?: number): LimiterError {
  if (isLimiterError(reason, 'ERR_ABORTED')) return reason
  return new LimiterError('ERR_ABORTED', 'The operation was aborted', { cause: reason, attempts })
}

export function timeoutError(attempt: number, ms: number): LimiterError {
  return new LimiterError('ERR_TIMEOUT', `Attempt ${attempt} timed out after ${ms} ms`, { attempts: attempt })
}

/** A user callback (`retryOn`, a jitter function, `random`, ...) threw: `what` names it. */
export function callbackFailed(what: string, thrown: unknown): LimiterError {
  const detail = thrown instanceof Error ? thrown.message : describeValue(thrown)
  return new LimiterError('ERR_CALLBACK_FAILED', `${what} threw: ${detail}`, { cause: thrown })
}

/** Calls a user callback; what it throws becomes `ERR_CALLBACK_FAILED` naming it. */
export function userCall<A extends unknown[], R>(what: string, fn: (...args: A) => R, ...args: A): R {
  try {
    return fn(...args)
  } catch (error) {
    throw callbackFailed(what, error)
  }
}

/** `error` (a callback's `ERR_CALLBACK_FAILED`) stamped with the attempts of the job it ends. */
export function withAttempts(error: unknown, attempts: number): unknown {
  if (error instanceof LimiterError && error.attempts === undefined) error.attempts = attempts
  return error
}
