import { describe, expect, it } from 'vitest'
import { anthropicRateInfo, openaiRateInfo, rateInfo, retryAfterHeader } from './rate-headers'

const NOW = Date.parse('2026-01-01T00:00:00Z')

describe('openaiRateInfo', () => {
  const headers = {
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-remaining-requests': '499',
    'x-ratelimit-reset-requests': '120ms',
    'X-RateLimit-Limit-Tokens': '200000',
    'X-RateLimit-Remaining-Tokens': '150000',
    'X-RateLimit-Reset-Tokens': '15s',
  }

  it('reads both budgets from a Headers object and from a plain record (any case)', () => {
    const expected = [
      { kind: 'requests', limit: 500, remaining: 499, resetMs: 120 },
      { kind: 'tokens', limit: 200_000, remaining: 150_000, resetMs: 15_000 },
    ]
    expect(openaiRateInfo(new Headers(headers))).toEqual(expected)
    expect(openaiRateInfo(headers)).toEqual(expected)
    expect(
      openaiRateInfo({ 'x-ratelimit-remaining-requests': ['3'], 'x-ratelimit-reset-requests': '1s' }),
    ).toEqual([{ kind: 'requests', limit: undefined, remaining: 3, resetMs: 1000 }])
  })

  it('drops garbage, negative, past and inconsistent values; a budget without a reset is not followed', () => {
    const read = (remaining: string, reset: string, limit = '100') =>
      openaiRateInfo({
        'x-ratelimit-limit-requests': limit,
        'x-ratelimit-remaining-requests': remaining,
        'x-ratelimit-reset-requests': reset,
      })
    for (const [remaining, reset] of [
      ['abc', '1s'],
      ['-5', '1s'],
      ['1e3', '1s'],
      ['', '1s'],
      ['5', '0s'],
      ['5', '-1s'],
      ['5', 'soon'],
      ['101', '1s'], // more left than the limit
    ]) {
      expect(read(remaining!, reset!), `${remaining} ${reset}`).toEqual([])
    }
    expect(openaiRateInfo({ 'x-ratelimit-remaining-tokens': '5' })).toEqual([])
    expect(openaiRateInfo(undefined)).toEqual([])
    expect(openaiRateInfo('x-ratelimit-remaining-tokens: 5')).toEqual([])
    // A huge reset parses; the windows ignore one past retry.maxRetryAfter.
    expect(read('5', '1000000000000s')[0]?.resetMs).toBe(1e15)
  })
})

describe('anthropicRateInfo', () => {
  it('reads the four budgets; resets are RFC 3339 times', () => {
    const headers = new Headers({
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:01Z',
      'anthropic-ratelimit-tokens-limit': '90000',
      'anthropic-ratelimit-tokens-remaining': '80000',
      'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:30.500Z',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '39000',
      'anthropic-ratelimit-input-tokens-reset': '2026-01-01T00:00:02Z',
      'anthropic-ratelimit-output-tokens-limit': '8000',
      'anthropic-ratelimit-output-tokens-remaining': '0',
      'anthropic-ratelimit-output-tokens-reset': '2026-01-01T00:00:06Z',
    })
    expect(anthropicRateInfo(headers, NOW)).toEqual([
      { kind: 'requests', limit: 50, remaining: 49, resetMs: 1000 },
      { kind: 'tokens', limit: 90_000, remaining: 80_000, resetMs: 30_500 },
      { kind: 'input-tokens', limit: 40_000, remaining: 39_000, resetMs: 2000 },
      { kind: 'output-tokens', limit: 8000, remaining: 0, resetMs: 6000 },
    ])
  })

  it('drops a reset in the past, a non-RFC 3339 reset and garbage counts', () => {
    const read = (remaining: string, reset: string) =>
      anthropicRateInfo(
        { 'anthropic-ratelimit-tokens-remaining': remaining, 'anthropic-ratelimit-tokens-reset': reset },
        NOW,
      )
    expect(read('5', '2025-12-31T23:59:59Z')).toEqual([])
    expect(read('5', 'Thu, 01 Jan 2026 00:00:05 GMT')).toEqual([])
    expect(read('5', '2026-13-45T99:00:00Z')).toEqual([])
    expect(read('-1', '2026-01-01T00:00:05Z')).toEqual([])
    expect(read('lots', '2026-01-01T00:00:05Z')).toEqual([])
    expect(read('5', '2026-01-01T00:00:05Z')).toHaveLength(1)
  })

  it("'auto' reads both families; one family reads only its own", () => {
    const both = new Headers([
      ['x-ratelimit-remaining-requests', '1'],
      ['x-ratelimit-reset-requests', '1s'],
      ['anthropic-ratelimit-requests-remaining', '2'],
      ['anthropic-ratelimit-requests-reset', '2026-01-01T00:00:01Z'],
    ])
    expect(rateInfo(both, 'auto', NOW).map((i) => i.remaining)).toEqual([1, 2])
    expect(rateInfo(both, 'openai', NOW).map((i) => i.remaining)).toEqual([1])
    expect(rateInfo(both, 'anthropic', NOW).map((i) => i.remaining)).toEqual([2])
  })
})

describe('retryAfterHeader', () => {
  it('retry-after-ms goes before retry-after; a malformed one falls back to retry-after', () => {
    expect(retryAfterHeader({ 'retry-after-ms': '1500', 'retry-after': '9' }, NOW)).toBe(1500)
    expect(retryAfterHeader(new Headers({ 'retry-after-ms': 'soon', 'retry-after': '9' }), NOW)).toBe(9000)
    expect(retryAfterHeader({ 'retry-after-ms': '-3' }, NOW)).toBeUndefined()
    expect(retryAfterHeader({ 'retry-after': new Date(NOW - 5000).toUTCString() }, NOW)).toBe(0)
    expect(retryAfterHeader({}, NOW)).toBeUndefined()
  })
})
