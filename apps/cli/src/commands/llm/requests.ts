import { estimateTokens } from '@boundkit/limiter'
import { valueAt } from '../../run/input/field-path'
import type { KeyResult, KeyRule } from '../../run/input/scan'
import { anthropicRequest } from './anthropic'
import type { LlmSettings } from './settings'
import { fillTemplate } from './template'

/** One request to send: where, and the JSON body. */
export interface LlmRequest {
  customId: string
  /** The path after the API's base, e.g. `/v1/chat/completions`. */
  path: string
  /** The whole URL: the path under `--base-url` (`requestUrl`). */
  url: string
  body: Record<string, unknown>
}

/** A request before it is placed under the base URL. */
type RequestLine = Omit<LlmRequest, 'url'>

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A line of an OpenAI Batch API request file, or why it is not one. */
function batchApiRequest(record: unknown): RequestLine | { reason: string } {
  if (!isObject(record)) return { reason: 'expected a JSON object with custom_id, method, url and body' }
  const { custom_id: customId, method, url, body } = record
  if (typeof customId !== 'string' || customId === '') {
    return {
      reason: `expected "custom_id" to be a non-empty string, got ${JSON.stringify(customId) ?? 'nothing'}`,
    }
  }
  if (method !== 'POST')
    return { reason: `expected "method" to be "POST", got ${JSON.stringify(method) ?? 'nothing'}` }
  if (typeof url !== 'string' || !url.startsWith('/')) {
    return {
      reason: `expected "url" to be a path like "/v1/chat/completions", got ${JSON.stringify(url) ?? 'nothing'}`,
    }
  }
  if (!isObject(body))
    return { reason: `expected "body" to be a JSON object, got ${JSON.stringify(body) ?? 'nothing'}` }
  return { customId, path: url, body }
}

/** A plain record filled into the template's chat request, or why it cannot be. */
function templateRequest(
  record: unknown,
  line: number,
  template: { text: string; model: string; key: string | undefined },
): RequestLine | { reason: string } {
  let customId = String(line)
  if (template.key !== undefined) {
    const value = valueAt(record, template.key)
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      return {
        reason: `expected field "${template.key}" (--key) to be a string or a number, got ${JSON.stringify(value) ?? 'nothing'}`,
      }
    }
    customId = String(value)
  }
  const filled = fillTemplate(template.text, record)
  if ('reason' in filled) return filled
  return {
    customId,
    path: '/v1/chat/completions',
    body: { model: template.model, messages: [{ role: 'user', content: filled.text }] },
  }
}

/** How the llm command reads its input: each record into a request (built again when it is sent). */
export function requestsOf(
  settings: LlmSettings,
  templateText: string | undefined,
  /** Why a well-formed request is still refused (e.g. `--max-cost` needs a bound on every answer). */
  refuse: (request: LlmRequest) => string | undefined = () => undefined,
): (record: unknown, line: number) => LlmRequest | { reason: string } {
  const template =
    templateText === undefined
      ? undefined
      : { text: templateText, model: settings.model as string, key: settings.key }
  return (record, line) => {
    const fileRequest = settings.provider === 'anthropic' ? anthropicRequest : batchApiRequest
    const request = template === undefined ? fileRequest(record) : templateRequest(record, line, template)
    if ('reason' in request) return request
    const placed = requestUrl(settings.baseUrl, request.path)
    if ('reason' in placed) return placed
    const built = { ...request, url: placed.url }
    const reason = refuse(built)
    return reason === undefined ? built : { reason }
  }
}

/** The llm keys: each request's `custom_id`, unique in the input, in the output line's `custom_id`. */
export function llmKeys(
  requestOf: (record: unknown, line: number) => LlmRequest | { reason: string },
): KeyRule {
  return {
    field: 'custom_id',
    lineNumbers: false,
    of: (record, line): KeyResult => {
      const request = requestOf(record, line)
      return 'reason' in request ? request : { key: request.customId }
    },
    duplicate: (key) => `duplicate custom_id ${JSON.stringify(key)} (each must be unique)`,
    readBack: (key) =>
      typeof key === 'string'
        ? undefined
        : `custom_id ${JSON.stringify(key)} is not a string: is it a boundkit llm output?`,
    failed: (line) => line.error !== null && line.error !== undefined,
  }
}

/**
 * The URL of a request's `url` path under the base URL: `https://api.openai.com/v1` + `/v1/embeddings`
 * (the `/v1` not doubled), the base's query kept (`?api-version=`). A path that leaves the base path
 * once resolved (`/../../etc`, `/%2e%2e/x`) is refused: a request file never reaches other paths of
 * the API's host.
 */
export function requestUrl(base: string, path: string): { url: string } | { reason: string } {
  const refused = {
    reason: `expected "url" to be a path under --base-url like "/v1/chat/completions", got ${JSON.stringify(path)}`,
  }
  const root = new URL(base)
  const basePath = root.pathname.replace(/\/+$/, '')
  const doubled = basePath.endsWith('/v1') && (path === '/v1' || path.startsWith('/v1/'))
  let url: URL
  try {
    url = new URL(`${root.origin}${basePath}${doubled ? path.slice(3) : path}`)
  } catch {
    return refused
  }
  const under = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
  if (url.origin !== root.origin || !under || url.hash !== '') return refused
  if (root.search !== '')
    url.search = url.search === '' ? root.search : `${url.search}&${root.search.slice(1)}`
  return { url: url.href }
}

/** The token count of one text (gpt-tokenizer's o200k `countTokens`). */
export type CountTokens = (text: string) => number

/**
 * The tokenizer of `--tpm` estimates: the CLI's own gpt-tokenizer (a dependency of the CLI, so that
 * an estimate never depends on how the limiter was installed), loaded only by a run that needs it.
 */
export async function loadCountTokens(): Promise<CountTokens> {
  return (await import('gpt-tokenizer/encoding/o200k_base')).countTokens
}

/** A request's tokens before it is sent: its prompt (estimated) and the most its answer can use. */
export interface RequestTokens {
  prompt: number
  /**
   * The prompt as OpenAI documents its rate limits count it: estimated from the characters
   * (`ceil(characters / 4)` a text, 4 a message, 2 for the reply), not by a tokenizer.
   */
  charged: number
  /** `max_tokens` (or `max_completion_tokens`, `max_output_tokens`) x `n`; undefined: the request sets no bound. */
  completion: number | undefined
}

const positive = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0

/** Whether the path answers with generated tokens (an embedding has none to bound). */
function generates(path: string): boolean {
  return !/\/embeddings$|\/moderations$/.test(path)
}

/** The most tokens a request's answer can use: `max_tokens` (or its other names) x `n`; undefined: no bound. */
export function completionBound(request: Pick<LlmRequest, 'path' | 'body'>): number | undefined {
  const { body } = request
  const most =
    positive(body.max_tokens) || positive(body.max_completion_tokens) || positive(body.max_output_tokens)
  return most > 0 ? most * (positive(body.n) || 1) : generates(request.path) ? undefined : 0
}

/**
 * A request's tokens: a chat body's prompt counted like the openai-cookbook (4 per message + its
 * content + 2), any other body's input text; its completion bound from `max_tokens` (or
 * `max_completion_tokens`, `max_output_tokens`) x `n`.
 */
export function requestTokens(
  request: Pick<LlmRequest, 'path' | 'body'>,
  countTokens: CountTokens,
): RequestTokens {
  const { body } = request
  const completion = completionBound(request)
  let input: Parameters<typeof estimateTokens>[0]
  if (Array.isArray(body.messages)) {
    const { max_tokens: _, max_completion_tokens: __, system, ...prompt } = body
    // Anthropic's system prompt is a field of the body: it counts as a first message.
    if (system !== undefined) prompt.messages = [{ role: 'system', content: system }, ...body.messages]
    input = prompt as Parameters<typeof estimateTokens>[0]
  } else {
    const text = body.input ?? body.prompt ?? body
    input = typeof text === 'string' ? text : JSON.stringify(text)
  }
  return {
    prompt: estimateTokens(input, { tokenizer: countTokens }),
    charged: estimateTokens(input, { tokenizer: false }),
    completion,
  }
}
