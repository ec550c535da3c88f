import { type ChatMessage, promptTokens } from './chat-content'

/** One request of a batch input file that passed validation. */
export interface BatchRequest {
  customId: string
  /** The request's body, as the line gave it (checked when it is answered, as the live route would). */
  body: unknown
}

/** A reason the whole batch fails validation, as OpenAI lists them in `errors.data`. */
export interface BatchInputError {
  code: string
  message: string
  param: string | null
  line: number | null
}

/** Errors listed at most: a file with thousands of bad lines still answers a short list. */
const MAX_ERRORS = 100

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The tokens a request enqueues: its prompt estimate and its `max_tokens` (as the live route charges it). */
function enqueuedTokens(body: unknown): number {
  if (!isObject(body) || !Array.isArray(body.messages)) return 0
  const messages = body.messages.filter(isObject) as unknown as ChatMessage[]
  const max = body.max_completion_tokens ?? body.max_tokens
  return promptTokens(messages) + (typeof max === 'number' && max > 0 ? max : 0)
}

/** Why one line is refused, or its request. */
function lineRequest(text: string, line: number, endpoint: string): BatchRequest | BatchInputError {
  const refused = (code: string, message: string, param: string | null = null) => ({
    code,
    message,
    param,
    line,
  })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return refused('invalid_json_line', `This line is not parseable as valid JSON.`)
  }
  if (!isObject(value)) return refused('invalid_request', 'Each line must be a JSON object.')
  const { custom_id: customId, method, url, body } = value
  if (typeof customId !== 'string' || customId === '') {
    return refused('missing_required_parameter', 'Missing required parameter: custom_id.', 'custom_id')
  }
  if (method !== 'POST')
    return refused('invalid_value', `Invalid value for method: expected 'POST'.`, 'method')
  if (url !== endpoint) {
    return refused('mismatched_url', `The url of each line must be the batch's endpoint ${endpoint}.`, 'url')
  }
  if (!isObject(body))
    return refused('missing_required_parameter', 'Missing required parameter: body.', 'body')
  return { customId, body }
}

/**
 * The requests of a batch input file, or why the whole batch fails validation: a line that is not
 * JSON, a missing or repeated `custom_id`, a method or url that is not the endpoint's, no body, more
 * than `maxRequests` requests, more than `tokenLimit` tokens enqueued (prompts and `max_tokens`).
 */
export function readBatchInput(
  content: Buffer,
  endpoint: string,
  limits: { maxRequests: number; tokenLimit: number },
): { requests: BatchRequest[] } | { errors: BatchInputError[] } {
  const requests: BatchRequest[] = []
  const errors: BatchInputError[] = []
  const seen = new Set<string>()
  let tokens = 0
  const lines = content.toString('utf8').split('\n')
  for (let index = 0; index < lines.length && errors.length < MAX_ERRORS; index++) {
    const text = lines[index]!.trim()
    if (text === '') continue
    const request = lineRequest(text, index + 1, endpoint)
    if ('code' in request) errors.push(request)
    else if (seen.has(request.customId)) {
      errors.push({
        code: 'duplicate_custom_id',
        message: `The custom_id ${JSON.stringify(request.customId)} is used more than once: each must be unique.`,
        param: 'custom_id',
        line: index + 1,
      })
    } else {
      seen.add(request.customId)
      tokens += enqueuedTokens(request.body)
      requests.push(request)
    }
  }
  const whole = (code: string, message: string) => ({ errors: [{ code, message, param: null, line: null }] })
  if (errors.length > 0) return { errors }
  if (requests.length === 0) return whole('empty_file', 'The input file has no requests.')
  if (requests.length > limits.maxRequests) {
    return whole(
      'too_many_requests',
      `A batch holds at most ${limits.maxRequests} requests, got ${requests.length}.`,
    )
  }
  if (tokens > limits.tokenLimit) {
    return whole(
      'token_limit_exceeded',
      `Enqueued token limit reached: the batch holds ${tokens} tokens (prompts and max_tokens), the limit is ${limits.tokenLimit}.`,
    )
  }
  return { requests }
}
