import { BoundkitError, type Fail, optionFailure } from '@boundkit/internal'

/** The codes a `PoolError` carries; the package README explains each. */
export type PoolErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_UNKNOWN_TASK'
  | 'ERR_WORKER_CRASHED'
  | 'ERR_WORKER_FILE'
  | 'ERR_WORKER_ENTRY'
  | 'ERR_WORKER_INIT'
  | 'ERR_DATA_CLONE'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_QUEUE_FULL'
  | 'ERR_CLOSED'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class PoolError extends BoundkitError<PoolErrorCode> {
  override name = 'PoolError'
}

/** Throws `ERR_INVALID_OPTION` with what was expected and what was given: the `fail` of the option checks. */
export const invalidOption: Fail = optionFailure((message) => new PoolError('ERR_INVALID_OPTION', message))
