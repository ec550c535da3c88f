import { describe, expect, it } from 'vitest'
import { MAX_USAGE_TOKENS, usageOf } from './http-body'

describe('usageOf', () => {
  it('reads chat, responses and embeddings usage', () => {
    expect(usageOf({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })).toEqual({
      prompt: 3,
      completion: 4,
      total: 7,
    })
    expect(usageOf({ usage: { input_tokens: 5, output_tokens: 1 } })).toEqual({
      prompt: 5,
      completion: 1,
      total: 6,
    })
    expect(usageOf({})).toEqual({ prompt: 0, completion: 0, total: 0 })
    expect(usageOf(null)).toEqual({ prompt: 0, completion: 0, total: 0 })
  })

  it.each([1e308, -3, 2.5, MAX_USAGE_TOKENS + 1, '12', Number.NaN])(
    'ignores a count that is not a token count (%s), and names it',
    (bad) => {
      const usage = usageOf({ usage: { prompt_tokens: bad, completion_tokens: 4 } })
      expect(usage).toMatchObject({ prompt: 0, completion: 4, total: 4 })
      expect(usage.ignored).toContain('prompt_tokens: ')
      expect(Number.isFinite(usage.total)).toBe(true)
    },
  )

  it('falls back to prompt + completion when only the total is insane', () => {
    expect(usageOf({ usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 1e308 } })).toEqual({
      prompt: 2,
      completion: 3,
      total: 5,
      ignored: 'total_tokens: 1e+308',
    })
  })
})

describe('usageOf cached tokens', () => {
  it('reads prompt_tokens_details.cached_tokens (and the responses API input_tokens_details), never above the prompt', () => {
    expect(
      usageOf({
        usage: { prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 64 } },
      }),
    ).toEqual({ prompt: 100, completion: 5, total: 105, cached: 64 })
    expect(
      usageOf({ usage: { input_tokens: 10, output_tokens: 1, input_tokens_details: { cached_tokens: 99 } } }),
    ).toEqual({ prompt: 10, completion: 1, total: 11, cached: 10 })
    expect(usageOf({ usage: { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } } })).toEqual({
      prompt: 10,
      completion: 0,
      total: 10,
    })
  })
})

describe('usageOf with Anthropic prompt caching', () => {
  it('counts the tokens read from and written to the cache in the prompt, and names each', () => {
    // Anthropic's input_tokens are only the tokens after the last cache breakpoint.
    const usage = {
      input_tokens: 20,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 3000,
      output_tokens: 50,
    }
    expect(usageOf({ usage })).toEqual({
      prompt: 4020,
      completion: 50,
      total: 4070,
      cached: 3000,
      cacheWrite: 1000,
    })
    expect(
      usageOf({ usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: null } }),
    ).toEqual({
      prompt: 20,
      completion: 50,
      total: 70,
    })
  })
})
