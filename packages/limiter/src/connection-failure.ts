import { causeChain } from '@boundkit/internal'

/**
 * Recognising a request that never got its answer (a reset, a refused connection, a client-side
 * timeout) whatever wraps it: fetch wraps the socket's error in `TypeError('fetch failed')`, and the
 * official `openai` and `@anthropic-ai/sdk` clients wrap that in their `APIConnectionError`, so the
 * `ECONNRESET` sits two causes deep. Their errors are read by shape, never imported.
 */

/** Error codes of transient network failures (Node sockets, DNS, undici). */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
])

/**
 * The SDKs' errors for a request that got no answer: `APIConnectionError` (its `cause` is fetch's
 * error, when there is one) and its subclass `APIConnectionTimeoutError` (the client's `timeout`,
 * no cause), in `openai` and `@anthropic-ai/sdk` alike; and Anthropic's `RetryableError`, which a
 * middleware throws to ask for the SDK's connection retry. None carries a `status` or a `code`.
 */
const SDK_CONNECTION_ERRORS: ReadonlySet<unknown> = new Set([
  'APIConnectionError',
  'APIConnectionTimeoutError',
  'RetryableError',
])

/** How many classes up its prototype chain an error's class name is looked for (subclasses included). */
const CLASS_DEPTH = 6

/**
 * Whether `error` is one of the SDKs' connection errors: by its `name` (Anthropic names each
 * class, so a minifier cannot hide it), else by the name of its class or a parent class (openai's
 * errors are all named 'Error').
 */
function isSdkConnectionError(error: object): boolean {
  if (SDK_CONNECTION_ERRORS.has((error as { name?: unknown }).name)) return true
  let proto: unknown = Object.getPrototypeOf(error)
  for (let i = 0; i < CLASS_DEPTH && typeof proto === 'object' && proto !== null; i++) {
    const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value
    if (typeof ctor === 'function' && SDK_CONNECTION_ERRORS.has(ctor.name)) return true
    proto = Object.getPrototypeOf(proto)
  }
  return false
}

/**
 * Whether `failure` or an error down its `cause` chain (8 deep) is a network failure: a code of
 * `NETWORK_ERROR_CODES`, fetch's `TypeError('fetch failed')`, or an SDK connection error.
 */
export function isConnectionFailure(failure: unknown): boolean {
  return causeChain(failure).some(({ error, message, code }) => {
    if (code !== undefined && NETWORK_ERROR_CODES.has(code)) return true
    if (typeof error !== 'object' || error === null) return false
    if ((error as { name?: unknown }).name === 'TypeError' && message === 'fetch failed') return true
    return isSdkConnectionError(error)
  })
}
