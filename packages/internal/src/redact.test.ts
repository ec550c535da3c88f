import { describe, expect, it } from 'vitest'
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
