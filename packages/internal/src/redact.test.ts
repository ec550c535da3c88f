import { describe, expect, it } from 'vitest'
import { MAX_USAGE_TOKENS, usageOf } from './http-body'
import { redactUrl } from './redact'

describe('redactUrl', () => {
  it.each([
    ['http://host/v1?api_key=SECRET', 'http://host/v1?api_key=***'],
    [
      'https://h/v1?api-version=2024-10-21&api-key=SECRET#x',
      'https://h/v1?api-version=2024-10-21&api-key=***#x',
    ],
    ['https://h/x?access_token=S1&sig=S2&q=keep', 'https://h/x?access_token=***&sig=***&q=keep'],
    ['https://user:SECRET@h/v1', 'https://user:***@h/v1'],
    ['https://SECRETTOKEN@h/v1', 'https://***@h/v1'],
    ['redis://:SECRET@h:6379/0', 'redis://:***@h:6379/0'],
    ['https://h/v1?%61pi_key=SECRET', 'https://h/v1?%61pi_key=***'],
  ])('%s -> %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted)
    expect(redactUrl(url)).not.toMatch(/SECRET/)
  })

  it('leaves a URL without credentials, and text that is not a URL, exactly as written', () => {
    for (const text of [
      'https://api.openai.com/v1',
      'http://h/v1?model=a+b&n=1',
      'requests.jsonl',
      '--rpm',
    ]) {
      expect(redactUrl(text)).toBe(text)
    }
  })
})

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
