import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { estimateTokens } from './index'

/** gpt-tokenizer's CommonJS module: the very object the limiter loads (one require cache). */
type Tokenizer = { encode: (text: string) => number[]; countTokens: (text: string) => number }
const tokenizer = createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as Tokenizer
const { encode, countTokens } = tokenizer

/** The length of each text the limiter handed to the tokenizer. */
let seen: number[] = []
let malformed = 0
/** Half of a surrogate pair without the other half. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * What the tokenizer is given, recorded before the limiter first loads it. A text longer than 4,096
 * characters is not tokenized (its byte-pair merge would take seconds): it counts 0 and is recorded.
 */
beforeAll(() => {
  const record = (text: string) => {
    seen.push(text.length)
    if (loneSurrogate.test(text)) malformed++
    return text.length <= 4096
  }
  tokenizer.encode = (text) => (record(text) ? encode(text) : [])
  tokenizer.countTokens = (text) => (record(text) ? countTokens(text) : 0)
})

afterAll(() => {
  Object.assign(tokenizer, { encode, countTokens })
})

/** What one estimate gave the tokenizer: the longest text and all the characters. */
function fed(estimate: () => number): { tokens: number; longest: number; total: number } {
  seen = []
  const tokens = estimate()
  return { tokens, longest: Math.max(0, ...seen), total: seen.reduce((a, b) => a + b, 0) }
}

describe('estimateTokens with gpt-tokenizer: bounded work on any input', () => {
  it('a word of 160,000 letters and 100,000 emoji: pieces of at most 256 characters, 32,768 in all, counts kept', () => {
    const letters = fed(() => estimateTokens('a'.repeat(160_000)))
    expect(letters.longest).toBeLessThanOrEqual(256)
    expect(letters.total).toBeLessThanOrEqual(32_768)
    // 'a' x 8 is one o200k token; the count of the whole is kept from the pieces.
    expect(letters.tokens).toBe(20_000)
    const emoji = fed(() => estimateTokens('😀'.repeat(100_000)))
    expect(emoji.longest).toBeLessThanOrEqual(256)
    expect(emoji.total).toBeLessThanOrEqual(32_768)
    expect(emoji.tokens).toBe(100_000)
    // No piece splits an emoji's surrogate pair.
    expect(malformed).toBe(0)
  })

  it('a chat body with a 5 MB message: the messages share one budget', () => {
    const body = {
      messages: [
        { role: 'system', content: 'You are a strict grader.' },
        { role: 'user', content: 'why is the sky blue? '.repeat(250_000) },
      ],
      max_tokens: 10,
    }
    const chat = fed(() => estimateTokens(body))
    expect(chat.longest).toBeLessThanOrEqual(256)
    expect(chat.total).toBeLessThanOrEqual(32_768)
    const exact = 2 + 4 + countTokens(body.messages[0]!.content) + 4 + countTokens(body.messages[1]!.content)
    expect(Math.abs(chat.tokens - 10 - exact) / exact).toBeLessThan(0.01)
  })

  it('ordinary text: the count of the whole text within 1% (whole) or 10% (sampled past 32,768 characters)', () => {
    // The README names `<|endoftext|>`, which gpt-tokenizer refuses to count.
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replaceAll('<|', '<')
    const source = readFileSync(new URL('./core.ts', import.meta.url), 'utf8')
    for (const [text, within] of [
      [readme.slice(0, 20_000), 0.01],
      [source.slice(0, 12_000), 0.01],
      [readme.repeat(3), 0.1],
      [source.repeat(20), 0.1],
    ] as const) {
      const exact = countTokens(text)
      expect(Math.abs(estimateTokens(text) - exact) / exact).toBeLessThan(within)
    }
  })
})
