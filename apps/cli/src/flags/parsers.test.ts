import { describe, expect, it } from 'vitest'
import { UsageError } from '../errors'
import {
  parseBytes,
  parseDuration,
  parseHeader,
  parseHttpUrl,
  parseInteger,
  parseJson,
  parseRate,
  parseResume,
} from './parsers'

describe('parseRate', () => {
  it.each([
    ['20/s', { limit: 20, interval: 1000 }],
    ['600/min', { limit: 600, interval: 60_000 }],
    ['5/250ms', { limit: 5, interval: 250 }],
    [' 3 / 2s ', { limit: 3, interval: 2000 }],
  ])('reads %s', (text, expected) => {
    expect(parseRate(text)).toEqual(expected)
  })

  it.each(['fast', '0/s', '10', '1.5/s', '10/fortnight', '-1/s'])('refuses %s with a usage error', (text) => {
    expect(() => parseRate(text)).toThrow(UsageError)
    expect(() => parseRate(text)).toThrow(`got '${text}'`)
  })
})

describe('parseHeader', () => {
  it('splits at the first colon and trims', () => {
    expect(parseHeader('Authorization:  Bearer a:b ')).toEqual(['Authorization', 'Bearer a:b'])
  })

  it.each(['no colon', ': value', 'Bad Name: x'])('refuses %s', (text) => {
    expect(() => parseHeader(text)).toThrow("Expected --header to look like 'Name: value'")
  })

  it.each(['X: a\r\nInjected: b', 'X: a\nb', 'X: a\rb', 'X: a\u0000b', 'X: \u20ac'])(
    'refuses a value fetch would refuse: %j',
    (text) => {
      expect(() => parseHeader(text)).toThrow(UsageError)
      expect(() => parseHeader(text)).toThrow(
        'Expected the value of --header X to be a valid HTTP header value',
      )
    },
  )
})

describe('parseBytes', () => {
  it.each([
    ['1048576', 1048576],
    ['64KiB', 65536],
    ['32 MiB', 32 * 2 ** 20],
    ['1gib', 2 ** 30],
  ])('reads %s', (text, bytes) => {
    expect(parseBytes('--max-response-bytes', text, 1, 2 ** 30)).toBe(bytes)
  })

  it.each(['lots', '0', '2GiB', '-1', '1MB'])('refuses %s', (text) => {
    expect(() => parseBytes('--max-response-bytes', text, 1, 2 ** 30)).toThrow(
      `Expected --max-response-bytes to be a size in bytes like 1048576, 64KiB or 32MiB, from 1 to 1073741824, got '${text}'`,
    )
  })
})

describe('parseInteger and parseDuration', () => {
  it('checks bounds and names the option', () => {
    expect(parseInteger('--retries', '0', 0)).toBe(0)
    expect(() => parseInteger('--concurrency', '0', 1)).toThrow(
      "Expected --concurrency to be an integer >= 1, got '0'",
    )
    expect(() => parseInteger('--runs', '2000', 1, { max: 1000 })).toThrow('<= 1000')
    expect(() => parseInteger('--runs', '1.5', 1)).toThrow(UsageError)
    expect(() => parseInteger('--runs', '', 1)).toThrow(UsageError)
  })

  it('reads durations with units', () => {
    expect(parseDuration('--timeout', '500')).toBe(500)
    expect(parseDuration('--timeout', '2s')).toBe(2000)
    expect(parseDuration('--timeout', '1min')).toBe(60_000)
    expect(() => parseDuration('--timeout', '0')).toThrow(UsageError)
    expect(() => parseDuration('--timeout', 'soon')).toThrow("got 'soon'")
  })

  it('parses JSON arguments', () => {
    expect(parseJson('--arg', '{"a":1}')).toEqual({ a: 1 })
    expect(() => parseJson('--arg', '{a')).toThrow('Expected --arg to be JSON')
  })
})

describe('parseResume', () => {
  it('takes --retry-failed with --resume', () => {
    expect(parseResume({ resume: true, retryFailed: true })).toEqual({ resume: true, retryFailed: true })
    expect(parseResume({})).toEqual({ resume: false, retryFailed: false })
  })

  it('refuses --retry-failed without --resume with a coded usage error', () => {
    const error = (() => {
      try {
        parseResume({ retryFailed: true })
      } catch (thrown) {
        return thrown
      }
    })()
    expect(error).toBeInstanceOf(UsageError)
    expect(error).toMatchObject({ code: 'ERR_RETRY_FAILED_WITHOUT_RESUME', exitCode: 2 })
    expect((error as Error).message).toMatch(
      /^--retry-failed goes with --resume.*\(ERR_RETRY_FAILED_WITHOUT_RESUME\)$/,
    )
  })
})

describe('parseHttpUrl', () => {
  it('refuses credentials in the URL, and never echoes them', () => {
    for (const text of ['https://user:SECRET@h/x', 'https://SECRET@h/x']) {
      expect(() => parseHttpUrl('--url', text)).toThrow(/without credentials/)
      expect(() => parseHttpUrl('--url', text)).not.toThrow(/SECRET/)
    }
    expect(() => parseHttpUrl('--url', 'ftp://h/x?token=SECRET')).toThrow("got 'ftp://h/x?token=***'")
    expect(parseHttpUrl('--base-url', 'http://h/v1?api-version=1').search).toBe('?api-version=1')
  })
})
