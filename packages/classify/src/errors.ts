import { BoundkitError } from '@boundkit/internal'

/** The codes a `ClassifyError` carries; the package README explains each. */
export type ClassifyErrorCode = 'ERR_INVALID_OPTION'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class ClassifyError extends BoundkitError<ClassifyErrorCode> {
  override name = 'ClassifyError'
}
