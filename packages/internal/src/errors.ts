import { type ErrorJSON, errorToJSON } from './error-json'

/**
 * The shape of every boundkit error: a string `code` to branch on and the underlying `cause`.
 * Each package subclasses it once (`LimiterError`, `PoolError`, ...). Callers branch on `code`,
 * never on `instanceof`: the ESM and CJS copies of a class are different objects.
 */
export class BoundkitError<Code extends string = string> extends Error {
  readonly code: Code

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }

  /**
   * What `JSON.stringify` writes: `{ name, code, message, status?, cause?: [{ name, code?, message,
   * status?, errno?, syscall? }, ...] }` (see `ErrorJSON`), so an outcome written to a file keeps
   * what went wrong. A subclass adds its own fields (the limiter's `attempts`).
   */
  toJSON(): ErrorJSON {
    return errorToJSON(this)
  }
}
