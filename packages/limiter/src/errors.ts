import { BoundkitError } from '@boundkit/internal'

/** The codes a `LimiterError` carries; the package README explains each. */
export type LimiterErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_RETRIES_EXHAUSTED'
  | 'ERR_CLEARED'
  | 'ERR_CLOSED'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class LimiterError extends BoundkitError<LimiterErrorCode> {
  override name = 'LimiterError'
  /** Attempts made before the error (set on `ERR_RETRIES_EXHAUSTED`, `ERR_TIMEOUT`, `ERR_ABORTED`). */
  attempts?: number

  constructor(code: LimiterErrorCode, message: string, options?: { cause?: unknown; attempts?: number }) {
    super(code, message, options)
    if (options?.attempts !== undefined) this.attempts = options.attempts
  }
}

/** Throws a coded `ERR_INVALID_OPTION`; the `fail` callback the option checks expect. */
export function invalidOption(message: string): never {
  throw new LimiterError('ERR_INVALID_OPTION', message)
}

export function abortedError(reason: unknown, attempts?: number): LimiterError {
  if (isLimiterError(reason, 'ERR_ABORTED')) return reason as LimiterError
  return new LimiterError('ERR_ABORTED', 'The operation was aborted', { cause: reason, attempts })
}

export function isLimiterError(error: unknown, code: LimiterErrorCode): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'LimiterError' &&
    (error as { code?: unknown }).code === code
  )
}
