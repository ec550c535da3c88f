import { BoundkitError, type Fail, optionFailure } from '@boundkit/internal'

/**
 * The codes a `PipelineError` carries:
 * - `ERR_FETCH_FAILED`: the fetch stage failed for an item (after its retries); `cause` is the stage's error.
 * - `ERR_PROCESS_FAILED`: the process stage failed for an item; `cause` is the stage's error.
 * - `ERR_ABORTED`: the run was cancelled (the signal fired, `close()` was called, or the consumer stopped).
 * - `ERR_INVALID_OPTION`: an option is missing, of the wrong type or out of range.
 * - `ERR_CLOSED`: `run()` was called after `close()`.
 * - `ERR_SOURCE_FAILED`: the items iterable itself threw; `cause` is its error.
 */
export type PipelineErrorCode =
  | 'ERR_FETCH_FAILED'
  | 'ERR_PROCESS_FAILED'
  | 'ERR_ABORTED'
  | 'ERR_INVALID_OPTION'
  | 'ERR_CLOSED'
  | 'ERR_SOURCE_FAILED'

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class PipelineError extends BoundkitError<PipelineErrorCode> {
  override name = 'PipelineError'
}

/** Throws `ERR_INVALID_OPTION` with what was expected and what was given: the `fail` of the option checks. */
export const invalidOption: Fail = optionFailure(
  (message) => new PipelineError('ERR_INVALID_OPTION', message),
)
