import { createRequire } from 'node:module'

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
   * Use `gpt-tokenizer` (o200k) when it is installed; `false`: always the characters-based estimate
   * (`ceil(characters / 4)`), e.g. to match a server that charges that way. @default true
   */
  tokenizer?: boolean
}

type Encode = (text: string) => readonly unknown[]

/** undefined: not looked for yet; null: not installed. */
let encoder: Encode | null | undefined

/** gpt-tokenizer's o200k `encode`, loaded on first use (ESM and CJS builds both find it). */
function loadEncoder(): Encode | null {
  if (encoder !== undefined) return encoder
  encoder = null
  try {
    const require = createRequire(import.meta.url)
    const module = require('gpt-tokenizer/encoding/o200k_base') as { encode?: unknown }
    if (typeof module.encode === 'function') encoder = module.encode as Encode
  } catch {
    // Not installed: the characters-based estimate is used.
  }
  return encoder
}

function textTokens(text: string, encode: Encode | null): number {
  if (text === '') return 0
  return encode ? encode(text).length : Math.ceil(text.length / 4)
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
 * (o200k, loaded on first use) when it is installed, else `ceil(characters / 4)`.
 */
export function estimateTokens(input: string | ChatRequestBody, options?: EstimateTokensOptions): number {
  const encode = options?.tokenizer === false ? null : loadEncoder()
  if (typeof input === 'string') return textTokens(input, encode)
  if (typeof input !== 'object' || input === null) return 0
  let tokens = 2
  for (const message of input.messages ?? []) {
    tokens += 4 + textTokens(contentText(message?.content), encode)
    if (typeof message?.name === 'string') tokens += textTokens(message.name, encode)
  }
  const most = count(input.max_tokens) || count(input.max_completion_tokens)
  return tokens + most * (count(input.n) || 1)
}
