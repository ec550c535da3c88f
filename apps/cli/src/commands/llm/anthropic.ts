import { closeSync, openSync, readSync } from 'node:fs'
import { LineSplitter, usageOf } from '@boundkit/internal'
import type { LimiterCost, RateLimit } from '@boundkit/limiter'
import { errorRecord, type HttpAnswer } from '../../http'
import type { LineResult } from '../../run/runner'
import { parsedAnswer } from './output-line'

/** Anthropic's API: its base URL, the version every request names, the key's variable. */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com'
export const ANTHROPIC_VERSION = '2023-06-01'
export const ANTHROPIC_API_KEY_ENV = 'ANTHROPIC_API_KEY'

/** The APIs whose request files and answers `boundkit llm` knows. */
export type Provider = 'openai' | 'anthropic'

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A line of an Anthropic Message Batches request file: `params`, and no `url` or `body` (OpenAI's). */
export function isAnthropicRecord(record: unknown): boolean {
  return isObject(record) && 'params' in record && !('url' in record) && !('body' in record)
}

/** How much of the input is read at a time to find its first line, and at most. */
const CHUNK_BYTES = 64 * 1024
const MAX_HEAD_BYTES = 64 * 1024 * 1024

/** The input's first non-empty line (at most `MAX_HEAD_BYTES` read), or undefined. */
function firstLineOf(path: string): string | undefined {
  const fd = openSync(path, 'r')
  try {
    const splitter = new LineSplitter()
    for (let size = 0; size < MAX_HEAD_BYTES; ) {
      // A new buffer each read: the splitter keeps a view of the part of a line a chunk ends with.
      const buffer = Buffer.alloc(CHUNK_BYTES)
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, size)
      if (read === 0) break
      size += read
      for (const line of splitter.lines(buffer.subarray(0, read))) {
        const text = line.toString('utf8')
        if (text.trim() !== '') return text
      }
    }
    return splitter.rest()?.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

/**
 * The provider of a request file, from its first non-empty line: `anthropic` when it is an Anthropic
 * Message Batches request, else `openai` (also when the file cannot be read: the run says why).
 */
export function detectProvider(path: string): Provider {
  try {
    const first = firstLineOf(path)?.replace(/^\uFEFF/, '')
    return isAnthropicRecord(JSON.parse(first ?? '')) ? 'anthropic' : 'openai'
  } catch {
    return 'openai'
  }
}

/** A line of an Anthropic Message Batches request file as a request to `/v1/messages`, or why not. */
export function anthropicRequest(
  record: unknown,
): { customId: string; path: string; body: Record<string, unknown> } | { reason: string } {
  if (!isObject(record)) return { reason: 'expected a JSON object with custom_id and params' }
  const { custom_id: customId, params } = record
  if (typeof customId !== 'string' || customId === '') {
    return {
      reason: `expected "custom_id" to be a non-empty string, got ${JSON.stringify(customId) ?? 'nothing'}`,
    }
  }
  if (!isObject(params)) {
    return { reason: `expected "params" to be a JSON object, got ${JSON.stringify(params) ?? 'nothing'}` }
  }
  return { customId, path: '/v1/messages', body: params }
}

/** Anthropic's headers: the key as `x-api-key` (none when `key` is undefined) and `anthropic-version`. */
export function anthropicHeaders(key: string | undefined): Record<string, string> {
  return { ...(key === undefined ? {} : { 'x-api-key': key }), 'anthropic-version': ANTHROPIC_VERSION }
}

/** `--itpm` and `--otpm`: input and output tokens per minute, two windows of the limiter. */
export function tokenWindows(itpm: number | undefined, otpm: number | undefined): RateLimit[] {
  const windows: RateLimit[] = []
  if (itpm !== undefined) windows.push({ limit: itpm, interval: 60_000, cost: 'input-tokens' })
  if (otpm !== undefined) windows.push({ limit: otpm, interval: 60_000, cost: 'output-tokens' })
  return windows
}

/** A request's cost in those windows at its start: its prompt, and `max_tokens` of output. */
export function startCost(tokens: { prompt: number; completion: number | undefined }): LimiterCost {
  return { 'input-tokens': tokens.prompt, 'output-tokens': tokens.completion ?? 0 }
}

/**
 * What an answer really cost in those windows (its `usage`), or undefined when it gives none. Tokens
 * read from the prompt cache do not count towards Anthropic's input tokens per minute.
 */
export function answerCost(body: unknown): LimiterCost | undefined {
  const usage = usageOf(body)
  if (usage.total === 0) return undefined
  return { 'input-tokens': usage.prompt - (usage.cached ?? 0), 'output-tokens': usage.completion }
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
}

/** The `{ type: 'error', error: { type, message } }` of a failure: the API's own when it sent one. */
function errorResponse(error: unknown) {
  const record = errorRecord(error)
  const sent = (record.body as { error?: { type?: unknown; message?: unknown } } | undefined)?.error
  if (typeof sent?.type === 'string' && typeof sent.message === 'string') {
    return { type: 'error', error: { type: sent.type, message: sent.message } }
  }
  const type = record.status === undefined ? 'api_error' : (ERROR_TYPES[record.status] ?? 'api_error')
  const message = record.message.includes(record.code) ? record.message : `${record.code}: ${record.message}`
  return { type: 'error', error: { type, message } }
}

const round = (ms: number) => Math.round(ms * 10) / 10

/** The message's first text block parsed as JSON (`--json-answer`), or the coded error of the line. */
function answerOf(message: unknown) {
  const blocks = (message as { content?: { type?: unknown; text?: unknown }[] } | null)?.content
  const text = Array.isArray(blocks) ? blocks.find((block) => block?.type === 'text')?.text : undefined
  return parsedAnswer(text, { path: 'text block in content', name: "the message's text" })
}

/**
 * A line of Anthropic's Message Batches results plus boundkit's `attempts` and `ms`:
 * `{ custom_id, result: { type: 'succeeded', message } }` for an answer (with `--json-answer`, its text
 * parsed in `answer`, or an `error` { code, message } when it is not JSON), `{ custom_id, result: { type:
 * 'errored', error: { type: 'error', error: { type, message } } } }` for a failure.
 */
export function anthropicLine(
  customId: string,
  result: { value: HttpAnswer } | { error: unknown },
  options: { jsonAnswer: boolean; attempts: number; ms: number },
): LineResult {
  const tail = { attempts: options.attempts, ms: round(options.ms) }
  if ('value' in result) {
    const outcome = { type: 'succeeded', message: result.value.body }
    const answer = options.jsonAnswer ? answerOf(result.value.body) : {}
    return { line: { custom_id: customId, result: outcome, ...answer, ...tail }, ok: !('error' in answer) }
  }
  const outcome = { type: 'errored', error: errorResponse(result.error) }
  return { line: { custom_id: customId, result: outcome, ...tail }, ok: false }
}

/** Whether a results line read back records a failure: not `succeeded`, or an answer that is not JSON. */
export function anthropicFailed(line: Record<string, unknown>): boolean {
  const type = (line.result as { type?: unknown } | null | undefined)?.type
  return type !== 'succeeded' || (line.error !== undefined && line.error !== null)
}

/** A results line read back, as the ledger reads a prior answer (`response.body`: the message). */
export function anthropicPrior(line: Record<string, unknown>): Record<string, unknown> {
  const result = line.result as { type?: unknown; message?: unknown } | null | undefined
  return result?.type === 'succeeded' ? { response: { body: result.message } } : {}
}
