/**
 * What the LLM benchmarks share: a chat completion call with fetch (an error carries `status` and
 * `headers`, as the openai SDK's APIError does), and a batch of chat requests whose prompts and
 * answers vary in length.
 */
import type { ChatBody } from '../test/llm-server.ts'

export interface ChatCompletion {
  id: string
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
}

/** A non-2xx answer: `status`, `headers` and the error body's message, like the SDK's APIError. */
export class ChatError extends Error {
  readonly status: number
  readonly headers: Headers

  constructor(status: number, headers: Headers, message: string) {
    super(`${status} ${message}`)
    this.status = status
    this.headers = headers
  }
}

export async function chat(
  baseURL: string,
  body: ChatBody,
  signal?: AbortSignal,
): Promise<{ data: ChatCompletion; response: Response }> {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify(body),
    signal,
  })
  if (!response.ok) {
    const text = await response.text()
    let message = text
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message
    } catch {}
    throw new ChatError(response.status, response.headers, message)
  }
  return { data: (await response.json()) as ChatCompletion, response }
}

/** The ms a 429 asks to wait: `retry-after-ms`, else `retry-after` seconds, else 1 s. */
export function retryAfterMs(error: unknown): number {
  const headers = (error as { headers?: Headers }).headers
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN)
  if (Number.isFinite(ms)) return ms
  const seconds = Number(headers?.get('retry-after') ?? Number.NaN)
  return Number.isFinite(seconds) ? seconds * 1000 : 1000
}

export const MAX_TOKENS = 400

/** `n` chat requests: prompts of 100 to 600 tokens, `max_tokens` 400; `metadata.id` is the index. */
export function chatBatch(n: number): ChatBody[] {
  return Array.from({ length: n }, (_, i) => ({
    model: 'local-model',
    messages: [
      { role: 'system', content: 'You are a strict judge. Score the answer from 0 to 1.' },
      { role: 'user', content: 'context '.repeat(50 + ((i * 7919) % 250)) },
    ],
    max_tokens: MAX_TOKENS,
    metadata: { id: String(i) },
  }))
}

/** The completion tokens the server answers item `id` with: 100 to 380, below `max_tokens`. */
export function completionTokens(body: ChatBody): number {
  return 100 + ((Number(body.metadata?.id ?? 0) * 104_729) % 281)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
