import { BoundkitError } from '@boundkit/internal'

/** The codes a `PoolError` carries; the package README explains each. */
export type PoolErrorCode = 'ERR_INVALID_OPTION'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class PoolError extends BoundkitError<PoolErrorCode> {
  override name = 'PoolError'
}
