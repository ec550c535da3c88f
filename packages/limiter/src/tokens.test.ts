import { describe, expect, it } from 'vitest'
import { estimateTokens } from './index'

const chat = {
  messages: [
    { role: 'system', content: 'You are a strict grader. Answer with a JSON verdict.' },
    {
      role: 'user',
      content: 'Question: why is the sky blue?\nAnswer: Rayleigh scattering of sunlight.',
      name: 'eval',
    },
  ],
  max_tokens: 100,
  n: 2,
}

describe('estimateTokens', () => {
  it('the characters-based estimate: ceil(chars / 4) per text; chat: 4 per message + content (+ name) + 2 + max_tokens x n', () => {
    const fallback = { tokenizer: false }
    expect(estimateTokens('abcdefghi', fallback)).toBe(3)
    expect(estimateTokens('', fallback)).toBe(0)
    const system = Math.ceil(chat.messages[0]!.content.length / 4)
    const user = Math.ceil(chat.messages[1]!.content.length / 4) + 1 // + name 'eval'
    expect(estimateTokens(chat, fallback)).toBe(2 + 4 + system + 4 + user + 100 * 2)
  })

  it('counts with the function given as `tokenizer`, in pieces of at most 256 characters', () => {
    const pieces: number[] = []
    const counter = (text: string) => {
      pieces.push(text.length)
      return 1
    }
    expect(estimateTokens('word '.repeat(200), { tokenizer: counter })).toBe(pieces.length)
    expect(Math.max(...pieces)).toBeLessThanOrEqual(256)
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(1000)
    expect(estimateTokens(chat, { tokenizer: () => 5 })).toBe(2 + 4 + 5 + 4 + 10 + 100 * 2)
  })

  it('max_completion_tokens when max_tokens is missing or null; null n is 1; parts of content count their text', () => {
    const fallback = { tokenizer: false }
    const body = {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'abcd' }, { type: 'image_url' }, { text: 'efgh' }] },
      ],
      max_tokens: null,
      max_completion_tokens: 10,
      n: null,
    }
    expect(estimateTokens(body, fallback)).toBe(2 + 4 + 2 + 10)
    expect(estimateTokens({}, fallback)).toBe(2)
    expect(estimateTokens(null as unknown as string)).toBe(0)
  })

  it('uses gpt-tokenizer (o200k) when installed: exact counts of known texts', async () => {
    const { encode } = await import('gpt-tokenizer/encoding/o200k_base')
    const text = 'The quick brown fox jumps over the lazy dog.'
    expect(estimateTokens(text)).toBe(encode(text).length)
    expect(estimateTokens(text)).not.toBe(Math.ceil(text.length / 4))
    expect(estimateTokens({ messages: [{ content: text }], max_tokens: 5 })).toBe(
      2 + 4 + encode(text).length + 5,
    )
  })

  it('a text holding a special token (`<|endoftext|>`) is counted, not thrown on', () => {
    const text = 'Summarise this log: <|endoftext|> was found in the input.'
    expect(estimateTokens(text)).toBeGreaterThan(estimateTokens('Summarise this log:'))
  })
})
