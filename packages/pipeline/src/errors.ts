import { BoundkitError } from '@boundkit/internal'

/** The codes a `PipelineError` carries; the package README explains each. */
export type PipelineErrorCode = 'ERR_INVALID_OPTION'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class PipelineError extends BoundkitError<PipelineErrorCode> {
  override name = 'PipelineError'
}
