import { estimateTokens } from '@boundkit/limiter'
import { valueAt } from '../batch/field-path'
import type { KeyResult, KeyRule } from '../batch/scan'
import type { LlmSettings } from './settings'
import { fillTemplate } from './template'

/** One request to send: where, and the JSON body. */
export interface LlmRequest {
  customId: string
  /** The path after the API's base, e.g. `/v1/chat/completions`. */
  path: string
  body: Record<string, unknown>
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A line of an OpenAI Batch API request file, or why it is not one. */
function batchApiRequest(record: unknown): LlmRequest | { reason: string } {
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
): LlmRequest | { reason: string } {
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
): (record: unknown, line: number) => LlmRequest | { reason: string } {
  if (templateText === undefined) return batchApiRequest
  const template = { text: templateText, model: settings.model as string, key: settings.key }
  return (record, line) => templateRequest(record, line, template)
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

/** The URL of `path` under `base`: `https://api.openai.com/v1` + `/v1/embeddings`, the `/v1` not doubled. */
export function joinUrl(base: string, path: string): string {
  const doubled = base.endsWith('/v1') && (path === '/v1' || path.startsWith('/v1/'))
  return `${base}${doubled ? path.slice(3) : path}`
}

/** The request's token estimate for the `--tpm` window: the chat count, or the input's text. */
export function tokenEstimate(body: Record<string, unknown>): number {
  if (Array.isArray(body.messages)) return estimateTokens(body as Parameters<typeof estimateTokens>[0])
  const input = body.input ?? body.prompt ?? body
  const text = typeof input === 'string' ? input : JSON.stringify(input)
  const max = body.max_output_tokens ?? body.max_tokens
  return estimateTokens(text) + (typeof max === 'number' ? max : 0)
}
