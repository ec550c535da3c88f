import { BoundkitError, type Fail, messageOf, optionFailure } from '@boundkit/internal'

/** The codes a `WriterError` carries; the package README explains each. */
export type WriterErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_RECORD'
  | 'ERR_INVALID_SEQ'
  | 'ERR_CLOSED'
  | 'ERR_ABORTED'
  | 'ERR_LOCKED'
  | 'ERR_CORRUPT_LINE'
  | 'ERR_IO'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class WriterError extends BoundkitError<WriterErrorCode> {
  override name = 'WriterError'
  /** For `ERR_CORRUPT_LINE`: the 1-based number of the malformed line. */
  readonly line?: number

  constructor(code: WriterErrorCode, message: string, options?: { cause?: unknown; line?: number }) {
    super(code, message, options)
    if (options?.line !== undefined) this.line = options.line
  }
}

/** Throws `ERR_INVALID_OPTION` with what was expected and what was given: the `fail` of the option checks. */
export const invalidOption: Fail = optionFailure((message) => new WriterError('ERR_INVALID_OPTION', message))

/** Wraps a file-system error as `ERR_IO`, keeping it as the cause. */
export function ioError(what: string, cause: unknown): WriterError {
  return new WriterError('ERR_IO', `${what}: ${messageOf(cause)}`, { cause })
}
