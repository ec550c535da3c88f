import { BoundkitError } from '@boundkit/internal'

/** The codes a `WriterError` carries; the package README explains each. */
export type WriterErrorCode = 'ERR_INVALID_OPTION'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class WriterError extends BoundkitError<WriterErrorCode> {
  override name = 'WriterError'
}
