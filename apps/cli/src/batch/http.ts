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

/** Follows `cause` to the deepest HTTP error, or the first error that has a code. */
export function errorRecord(error: unknown): ErrorRecord {
  let current: unknown = error
  let http: HttpError | undefined
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof HttpError) {
      http = current
      break
    }
    current = (current as { cause?: unknown }).cause
  }
  const outer = error as { code?: unknown; message?: unknown; cause?: unknown }
  const cause = outer?.cause as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined
  const causeCode = [cause?.code, cause?.cause?.code].find((c): c is string => typeof c === 'string')
  const code =
    typeof outer?.code === 'string' ? outer.code : (http?.code ?? causeCode ?? 'ERR_REQUEST_FAILED')
  let message = typeof outer?.message === 'string' ? outer.message : String(error)
  if (http === undefined && cause && typeof cause.message === 'string') {
    message = `${message}: ${cause.message}`
    if (causeCode !== undefined && !message.includes(causeCode)) message += ` (${causeCode})`
  } else if (http !== undefined && http !== error) message = `${message}: ${http.message}`
  const record: ErrorRecord = { code, message }
  if (http !== undefined) {
    record.status = http.status
    record.body = http.body
  }
  return record
}
