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
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0
}

/** The `usage` of a response body, zeros when it has none. */
export function usageOf(body: unknown): Usage {
  const usage = (body as { usage?: Record<string, unknown> } | null)?.usage ?? {}
  const prompt = count(usage.prompt_tokens ?? usage.input_tokens)
  const completion = count(usage.completion_tokens ?? usage.output_tokens)
  const total = count(usage.total_tokens) || prompt + completion
  return { prompt, completion, total }
}
