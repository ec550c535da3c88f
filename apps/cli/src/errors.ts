/**
 * A mistake in how the command was called (bad option, missing file, malformed input): exit code 2.
 * `code` is `ERR_USAGE`, or a more precise one that the message then ends with.
 */
export class UsageError extends Error {
  override name = 'UsageError'
  readonly exitCode = 2
  readonly code: string

  constructor(message: string, code = 'ERR_USAGE') {
    super(code === 'ERR_USAGE' ? message : `${message} (${code})`)
    this.code = code
  }
}

/** Exit codes of every command. */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  /** `--max-cost` reached: the run stopped starting requests, what was in flight is written. */
  budgetReached: 3,
  interrupted: 130,
} as const

/** The message of anything thrown, for one line on stderr. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message
  }
  return String(error)
}

/** Text quoted in an error message, cut to at most `max` characters (the cut marked with `...`). */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text
}
