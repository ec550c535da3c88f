import { BoundkitError, type Fail, optionFailure } from '@boundkit/internal'

/** The codes a `QueueError` carries; the package README explains each. */
export type QueueErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_REDIS_UNREACHABLE'
  | 'ERR_REDIS_AUTH'
  | 'ERR_JOB_FAILED'
  | 'ERR_UNKNOWN_JOB'
  | 'ERR_FILE_NOT_ALLOWED'
  | 'ERR_ORIGIN_NOT_ALLOWED'
  | 'ERR_DUPLICATE_KEY'
  | 'ERR_HTTP_STATUS'
  | 'ERR_RETRY_AFTER_TOO_LONG'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_COST_TOO_HIGH'
  | 'ERR_ABORTED'
  | 'ERR_CLOSED'
  | 'ERR_CLOSE_TIMEOUT'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class QueueError extends BoundkitError<QueueErrorCode> {
  override name = 'QueueError'
  /** The BullMQ job id, where the error is about one job. */
  jobId?: string
  /** Attempts the job made, where a job failed. */
  attempts?: number
  /** The ms a 503's `Retry-After` asked for, where an attempt failed with one: its retry waits at least this long. */
  retryAfter?: number

  constructor(
    code: QueueErrorCode,
    message: string,
    options?: { cause?: unknown; jobId?: string; attempts?: number; retryAfter?: number },
  ) {
    super(code, message, options)
    if (options?.jobId !== undefined) this.jobId = options.jobId
    if (options?.attempts !== undefined) this.attempts = options.attempts
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter
  }
}

/** Throws `ERR_INVALID_OPTION` with what was expected and what was given: the `fail` of the option checks. */
export const invalidOption: Fail = optionFailure((message) => new QueueError('ERR_INVALID_OPTION', message))
