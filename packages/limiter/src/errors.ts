import { BoundkitError } from '@boundkit/internal'

/** The codes a `LimiterError` carries; the package README explains each. */
export type LimiterErrorCode = 'ERR_INVALID_OPTION'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class LimiterError extends BoundkitError<LimiterErrorCode> {
  override name = 'LimiterError'
}
