/** A non-2xx answer, thrown so the limiter can decide on a retry from `status` and `headers`. */
export class HttpError extends Error {
  override name = 'HttpError'
  readonly code = 'ERR_HTTP_STATUS'
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`)
  }
}

/** What a successful POST gave back. */
export interface HttpAnswer {
  status: number
  body: unknown
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
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

/** POSTs `record` as JSON; resolves with a 2xx answer's parsed body, throws `HttpError` otherwise. */
export async function postJson(
  url: string,
  record: unknown,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(record),
    signal,
  })
  const body = await readBody(response)
  if (!response.ok) throw new HttpError(response.status, response.headers, body)
  return { status: response.status, body }
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
 * cause chain, and the HTTP status and body when an HTTP answer is behind it.
 */
export function errorRecord(error: unknown): ErrorRecord {
  const messages: string[] = []
  const codes: string[] = []
  let http: HttpError | undefined
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { message, code, cause } = current as { message?: unknown; code?: unknown; cause?: unknown }
    if (current instanceof HttpError) http ??= current
    if (typeof message === 'string' && message !== '' && !messages.includes(message)) messages.push(message)
    if (typeof code === 'string') codes.push(code)
    current = cause
  }
  const [first] = codes
  const code = first ?? 'ERR_REQUEST_FAILED'
  let message = messages.length > 0 ? messages.join(': ') : String(error)
  // The deepest code says what happened on the wire (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET).
  const deepest = codes.at(-1)
  const own = (error as { code?: unknown } | null)?.code
  if (http === undefined && deepest !== undefined && deepest !== own && !message.includes(deepest)) {
    message += ` (${deepest})`
  }
  const record: ErrorRecord = { code, message }
  if (http !== undefined) {
    record.status = http.status
    record.body = http.body
  }
  return record
}
