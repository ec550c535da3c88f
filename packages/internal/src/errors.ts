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
   * What `JSON.stringify` writes: `{ name, code, message, status?, ...its own fields, cause?: [{ name,
   * code?, message, status?, errno?, syscall? }, ...] }` (see `ErrorJSON`), so an outcome written to a
   * file keeps what went wrong. Its own fields are a subclass's (the limiter's `attempts`, the
   * writer's `line`, classify's `command`), as `JSON.stringify` wrote them before.
   */
  toJSON(): ErrorJSON & { [field: string]: unknown } {
    const { cause, ...json } = errorToJSON(this)
    const own: { [field: string]: unknown } = {}
    for (const [field, value] of Object.entries(this)) if (!(field in json)) own[field] = value
    return { ...json, ...own, ...(cause && { cause }) }
  }
}
