/**
 * Reading an HTTP answer's body without trusting its size, and the token counts an LLM API's answer
 * gives, for the CLI's local runs and the queue's workers alike.
 */

/**
 * The body as text, read as a stream and never past `maxBytes` (a `Content-Length` above it is
 * refused before reading): a huge answer cannot exhaust memory. Past the cap the connection is
 * closed and `tooLarge()` is thrown.
 */
export async function readCappedText(
  response: Response,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

/** The token counts of an answer's `usage` (chat, responses and embeddings name them differently). */
export interface Usage {
  prompt: number
  completion: number
  total: number
  /** Of `prompt`, the tokens read from the provider's prompt cache (priced apart). */
  cached?: number
  /** Of `prompt`, the tokens written to the provider's prompt cache (Anthropic's `cache_creation_input_tokens`, priced apart). */
  cacheWrite?: number
  /**
   * A count the answer gave that is not a token count (`prompt_tokens: 1e308`, `-3`, `2.5`), named with
   * its value: it counted as 0. Absent when every count given was sane.
   */
  ignored?: string
}

/**
 * The most tokens one answer can count. No model's context comes near it; a larger count is a broken
 * or hostile server's, and summed over a run (or in a Redis counter) it would break the totals.
 */
export const MAX_USAGE_TOKENS = 1_000_000_000

/** A sane token count: an integer from 0 to `MAX_USAGE_TOKENS`. */
function isTokenCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_USAGE_TOKENS
}

/**
 * The `usage` of a response body, zeros when it has none. A field that is there but is not a sane
 * count (not an integer from 0 to `MAX_USAGE_TOKENS`) counts as 0 and is named in `ignored`.
 */
export function usageOf(body: unknown): Usage {
  const usage = (body as { usage?: unknown } | null)?.usage
  const fields = typeof usage === 'object' && usage !== null ? (usage as Record<string, unknown>) : {}
  let ignored: string | undefined
  const count = (...names: string[]): number => {
    const name = names.find((n) => fields[n] !== undefined && fields[n] !== null)
    if (name === undefined) return 0
    const value = fields[name]
    if (isTokenCount(value)) return value
    ignored ??= `${name}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`
    return 0
  }
  // Anthropic's input_tokens leave out the tokens read from and written to the cache: the prompt is all three.
  const cacheRead = count('cache_read_input_tokens')
  const cacheWrite = count('cache_creation_input_tokens')
  const prompt = count('prompt_tokens', 'input_tokens') + cacheRead + cacheWrite
  const completion = count('completion_tokens', 'output_tokens')
  const total = count('total_tokens') || prompt + completion
  const details = fields.prompt_tokens_details ?? fields.input_tokens_details
  const cachedTokens = (details as { cached_tokens?: unknown } | null | undefined)?.cached_tokens
  // OpenAI: prompt_tokens_details.cached_tokens (responses: input_tokens_details); never above the prompt.
  const cached =
    cacheRead > 0
      ? cacheRead
      : isTokenCount(cachedTokens) && cachedTokens > 0
        ? Math.min(cachedTokens, prompt)
        : undefined
  return {
    prompt,
    completion,
    total,
    ...(cached === undefined ? {} : { cached }),
    ...(cacheWrite > 0 ? { cacheWrite } : {}),
    ...(ignored === undefined ? {} : { ignored }),
  }
}
