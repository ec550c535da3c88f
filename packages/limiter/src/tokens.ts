import { type CountTokens, loadTokenizer, TokenTally } from './tokenizer'

/** A chat completion request body, as the OpenAI API (and the openai SDK's types) take it. */
export interface ChatRequestBody {
  messages?: readonly { content?: unknown; name?: unknown }[]
  max_tokens?: number | null
  max_completion_tokens?: number | null
  n?: number | null
}

/** How `estimateTokens` counts. */
export interface EstimateTokensOptions {
  /**
   * `true`: `gpt-tokenizer` (o200k) when it is installed where this package can load it, else the
   * characters-based estimate (`ceil(characters / 4)`); `false`: always the characters-based estimate,
   * e.g. to match a server that charges that way; a function: the token count of one text, used in
   * its place (another encoding, or a tokenizer the application loads itself so that the estimate
   * does not depend on how this package was installed). It sees pieces of at most 256 characters.
   * @default true
   * @example
   * import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
   * estimateTokens(body, { tokenizer: countTokens })
   */
  tokenizer?: boolean | ((text: string) => number)
}

/** The characters-based estimate of one text. */
function charTokens(text: string): number {
  return Math.ceil(text.length / 4)
}

/** The tokens of `texts` together: by the tokenizer when there is one, else by characters. */
function textTokens(texts: readonly string[], tokenizer: CountTokens | null): number {
  if (tokenizer === null) return texts.reduce((sum, text) => sum + charTokens(text), 0)
  const tally = new TokenTally(
    tokenizer,
    texts.reduce((sum, text) => sum + text.length, 0),
  )
  for (const text of texts) tally.add(text)
  return tally.tokens
}

/** The text of a message's `content`: a string, or the `text` of its parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const part of content) {
    const value = (part as { text?: unknown } | null)?.text
    if (typeof value === 'string') text += value
  }
  return text
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}

/**
 * Estimates the tokens a text or a chat request costs, for a `cost: 'tokens'` window. A chat body
 * counts like the openai-cookbook: 4 per message + its content (and `name`) tokens + 2, plus
 * `max_tokens` (or `max_completion_tokens`) x `n`, the most the answer can use. Uses `gpt-tokenizer`
 * (o200k, loaded on first use) when it is installed, else `ceil(characters / 4)`. The tokenizer
 * reads at most 32,768 characters of one input, in pieces of at most 256: a longer input is
 * counted from evenly spread pieces, so that an estimate takes bounded time on any text.
 */
export function estimateTokens(input: string | ChatRequestBody, options?: EstimateTokensOptions): number {
  const given = options?.tokenizer
  const tokenizer = typeof given === 'function' ? given : given === false ? null : loadTokenizer()
  if (typeof input === 'string') return textTokens([input], tokenizer)
  if (typeof input !== 'object' || input === null) return 0
  const texts: string[] = []
  let tokens = 2
  for (const message of input.messages ?? []) {
    tokens += 4
    texts.push(contentText(message?.content))
    if (typeof message?.name === 'string') texts.push(message.name)
  }
  const most = count(input.max_tokens) || count(input.max_completion_tokens)
  return tokens + textTokens(texts, tokenizer) + most * (count(input.n) || 1)
}
