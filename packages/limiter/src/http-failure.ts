import { httpStatusOf } from '@boundkit/internal'
import { isConnectionFailure } from './connection-failure'
import { parseRetryAfter, retryAfterHeader } from './rate-headers'

/**
 * Reading HTTP facts out of whatever an attempt failed with: a thrown error with `status`,
 * `statusCode` or `response.status`, a thrown or returned fetch `Response`, and `Retry-After`.
 */

/** Something shaped like a fetch `Response`. */
export interface ResponseLike {
  status: number
  ok: boolean
  headers: { get(name: string): string | null }
  body?: { cancel?: () => Promise<unknown> } | null
}

/** Whether `value` looks like a fetch `Response`; a value whose getters throw does not. */
export function isResponseLike(value: unknown): value is ResponseLike {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<ResponseLike>
  try {
    return typeof v.status === 'number' && typeof v.ok === 'boolean' && typeof v.headers?.get === 'function'
  } catch {
    return false
  }
}

type Bag = Record<string, unknown>

/** The headers an answer carries: a Response's, a thrown error's `headers` or `response.headers`. */
export function headersOf(answer: unknown): unknown {
  if (typeof answer !== 'object' || answer === null) return undefined
  if (isResponseLike(answer)) return answer.headers
  const a = answer as Bag
  return a.headers ?? (a.response as Bag | undefined)?.headers
}

/** The HTTP status an error or a Response carries, if any (`status`, `statusCode`, `response.status`). */
export const statusOf: (failure: unknown) => number | undefined = httpStatusOf

/**
 * Milliseconds the server asked us to wait: from `error.retryAfter`, `error.response.headers`,
 * `error.headers`, or the headers of a thrown/returned `Response` (`retry-after-ms`, then `retry-after`).
 */
export function retryAfterOf(failure: unknown, now: number): number | undefined {
  if (typeof failure !== 'object' || failure === null) return undefined
  const f = failure as Bag
  if (f.retryAfter !== undefined) {
    const direct = parseRetryAfter(f.retryAfter, now)
    if (direct !== undefined) return direct
  }
  for (const headers of [(f.response as Bag | undefined)?.headers, f.headers]) {
    const parsed = retryAfterHeader(headers, now)
    if (parsed !== undefined) return parsed
  }
  return undefined
}

/**
 * HTTP statuses retried by default: 408, 425, 429, 500, 502, 503, 504, and 529 (Anthropic's
 * `overloaded_error`).
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504, 529])

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as Bag).code
  return typeof code === 'string' ? code : undefined
}

/**
 * The default `retryOn`: network errors (on the failure or down its `cause` chain, the `openai` and
 * `@anthropic-ai/sdk` clients' connection errors included), timeouts and HTTP 408/425/429/500/502/
 * 503/504/529; never an `AbortError`, an `ERR_ABORTED`, or any other status (400, 401, 403, 404, ...).
 */
export function defaultRetryOn(failure: unknown): boolean {
  if (typeof failure !== 'object' || failure === null) return false
  const f = failure as Bag
  if (f.name === 'AbortError') return false
  if (f.name === 'TimeoutError') return true
  const code = errorCode(f)
  if (code === 'ERR_ABORTED' || code === 'ERR_CLEARED' || code === 'ERR_CLOSED') return false
  if (code === 'ERR_TIMEOUT') return true
  const status = statusOf(f)
  if (status !== undefined) return RETRYABLE_STATUSES.has(status)
  return isConnectionFailure(f)
}
