import { causeChain } from './cause'
import { httpStatusOf } from './http-status'

/** One error as plain data: what `JSON.stringify` keeps of it. */
export interface ErrorLinkJSON {
  /** Its class name (`LimiterError`, `TypeError`, ...); absent for a thrown non-object. */
  name?: string
  /** Its string `code` (`ERR_RETRIES_EXHAUSTED`, `ECONNRESET`, ...), if any. */
  code?: string
  /** Its message ('' where it has none; the value as text for a thrown non-object). */
  message: string
  /** Its own HTTP status (`status`, `statusCode` or `response.status`), if any. */
  status?: number
  /** A Node system error's `errno` and `syscall` (`-104`, `'read'`), if any. */
  errno?: number
  syscall?: string
}

/**
 * An error and its cause chain as plain data (what every boundkit error's `toJSON` returns): the
 * error's own fields, `status` (its own HTTP status, else its nearest cause's), and `cause`: the
 * chain below it, outermost first, flat (at most 7 links; a cycle stops the walk).
 */
export interface ErrorJSON extends ErrorLinkJSON {
  cause?: ErrorLinkJSON[]
}

function linkJSON(error: unknown, message: string, code: string | undefined): ErrorLinkJSON {
  if (typeof error !== 'object' || error === null) return { message }
  const { name, errno, syscall } = error as { name?: unknown; errno?: unknown; syscall?: unknown }
  const status = httpStatusOf(error)
  return {
    ...(typeof name === 'string' && { name }),
    ...(code !== undefined && { code }),
    message,
    ...(status !== undefined && { status }),
    ...(typeof errno === 'number' && { errno }),
    ...(typeof syscall === 'string' && { syscall }),
  }
}

/**
 * Any thrown value as plain data that survives `JSON.stringify` (an `Error`'s message and cause are
 * not enumerable, so `JSON.stringify(error)` loses them): name, code, message, HTTP status, and the
 * cause chain's names, codes, messages and statuses. Never throws.
 */
export function errorToJSON(error: unknown): ErrorJSON {
  let links: ErrorLinkJSON[]
  try {
    links = causeChain(error).map((link) => linkJSON(link.error, link.message, link.code))
  } catch {
    // A getter that throws (`message`, `code`, `cause`): what could not be read is left out.
    return { message: '' }
  }
  const [json = { message: '' }, ...causes] = links
  if (causes.length === 0) return json
  const status = json.status ?? causes.find((link) => link.status !== undefined)?.status
  return { ...json, ...(status !== undefined && { status }), cause: causes }
}
