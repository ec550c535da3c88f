import { BoundkitError, type Fail, optionFailure } from '@boundkit/internal'

/** The codes a `ClassifyError` carries; the package README explains each. */
export type ClassifyErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_TASK_FAILED'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_COMMAND_FAILED'

/** Extra facts an `ERR_COMMAND_FAILED` error carries. */
export interface CommandFailure {
  /** The command's exit code, or `null` when a signal ended it. */
  exitCode: number | null
  /** The signal that ended the command, or `null`. */
  signal: string | null
  /** The last lines of the command's standard error (at most 2,000 characters). */
  stderrTail: string
}

/** Every error this package raises. Branch on `code`, not on `instanceof`. */
export class ClassifyError extends BoundkitError<ClassifyErrorCode> {
  override name = 'ClassifyError'
  /** Set on `ERR_COMMAND_FAILED`: exit code, signal and the tail of standard error. */
  declare readonly command?: CommandFailure

  constructor(
    code: ClassifyErrorCode,
    message: string,
    options?: { cause?: unknown; command?: CommandFailure },
  ) {
    super(code, message, options)
    if (options?.command) this.command = options.command
  }
}

/** Throws `ERR_INVALID_OPTION` with what was expected and what was given: the `fail` of the option checks. */
export const invalidOption: Fail = optionFailure(
  (message) => new ClassifyError('ERR_INVALID_OPTION', message),
)
