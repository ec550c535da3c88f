import { causeChain, chainMessage, readCappedText } from '@boundkit/internal'

/** An HTTP answer that is not a result: it carries the answer's status, for the output line and for retries. */
export class AnswerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** A non-2xx answer, thrown so the limiter can decide on a retry from `status` and `headers`. */
export class HttpError extends AnswerError {
  override name = 'HttpError'
  readonly code = 'ERR_HTTP_STATUS'
  constructor(
    status: number,
    readonly headers: Headers,
    readonly body: unknown,
  ) {
    super(status, `HTTP ${status}`)
  }
}

/** An answer whose body is larger than the cap: reading stopped there and the connection was closed. */
export class ResponseTooLargeError extends AnswerError {
  override name = 'ResponseTooLargeError'
  readonly code = 'ERR_RESPONSE_TOO_LARGE'
  constructor(status: number, maxBytes: number) {
    super(status, `HTTP ${status}: the response body is larger than ${maxBytes} bytes (--max-response-bytes)`)
  }
}

/** What a successful POST gave back. */
export interface HttpAnswer {
  status: number
  headers: Headers
  body: unknown
}

export interface PostOptions {
  headers?: Record<string, string>
  signal: AbortSignal
  /** Reading stops past this many bytes of body, with `ResponseTooLargeError`. */
  maxResponseBytes: number
}

async function readBody(response: Response, maxBytes: number): Promise<unknown> {
  const text = await readCappedText(
    response,
    maxBytes,
    () => new ResponseTooLargeError(response.status, maxBytes),
  )
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json') && text !== '') {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

/** The headers of every POST of a JSON record. */
export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' }

/** A worker's answer to an `http` job (`--redis`), as the local POST gives it. */
export function answerOf(result: {
  status: number
  headers: Record<string, string>
  body: unknown
}): HttpAnswer {
  return { status: result.status, headers: new Headers(result.headers), body: result.body }
}

/**
 * POSTs `body` (JSON text, sent as it is) to `url`; resolves with a 2xx answer's parsed body, throws
 * `HttpError` otherwise, or `ResponseTooLargeError` for a body past `maxResponseBytes`.
 */
export async function postJson(url: string, body: string, options: PostOptions): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...options.headers },
    body,
    signal: options.signal,
  })
  const answer = await readBody(response, options.maxResponseBytes)
  if (!response.ok) throw new HttpError(response.status, response.headers, answer)
  return { status: response.status, headers: response.headers, body: answer }
}

/** Why an attempt failed, in the words of the live page: a 429, a 5xx, a timeout, a lost connection. */
export type FailureReason = '429' | '5xx' | 'timeout' | 'connection' | 'other'

const CONNECTION =
  /\b(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|UND_ERR_SOCKET|UND_ERR_CLOSED)\b|fetch failed/

/** The reason of a failed attempt, from its status and its cause chain. */
export function failureReason(record: ErrorRecord): FailureReason {
  if (record.status === 429) return '429'
  if (record.status !== undefined && record.status >= 500) return '5xx'
  if (/TIMEOUT|TIMEDOUT/.test(record.code) || /\b(ETIMEDOUT|UND_ERR_[A-Z_]*TIMEOUT)\b/.test(record.message))
    return 'timeout'
  if (CONNECTION.test(record.code) || CONNECTION.test(record.message)) return 'connection'
  return 'other'
}

/** The error of an output line: plain data with a code, a message, and the HTTP status and body when known. */
export interface ErrorRecord {
  code: string
  message: string
  status?: number
  body?: unknown
}

/**
 * Plain data for an error: its code (or that of the first cause that has one), the messages of the
 * cause chain, and the HTTP status (and body) when an HTTP answer is behind it.
 */
export function errorRecord(error: unknown): ErrorRecord {
  const chain = causeChain(error, 5)
  const codes = chain.flatMap((link) => (link.code === undefined ? [] : [link.code]))
  const answered = chain.find((link) => link.error instanceof AnswerError)?.error as AnswerError | undefined
  const code = codes[0] ?? 'ERR_REQUEST_FAILED'
  let message = chainMessage(error, 5)
  // The deepest code says what happened on the wire (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET).
  const deepest = codes.at(-1)
  if (
    answered === undefined &&
    deepest !== undefined &&
    deepest !== chain[0]?.code &&
    !message.includes(deepest)
  ) {
    message += ` (${deepest})`
  }
  const record: ErrorRecord = { code, message }
  if (answered !== undefined) record.status = answered.status
  if (answered instanceof HttpError) record.body = answered.body
  return record
}
