import { describe, expect, it } from 'vitest'
import { type ChatAccounting, ChatBudget, type ChatWindowMode, goDuration } from './chat-budget'

function budget(
  requestsPerMinute: number,
  tokensPerMinute: number,
  windowMode: ChatWindowMode = 'fixed',
  accounting: ChatAccounting = 'reserve',
) {
  const clock = { now: 0 }
  const now = () => clock.now
  return {
    clock,
    budget: new ChatBudget({
      requestsPerMinute,
      tokensPerMinute,
      windowMs: 10_000,
      windowMode,
      accounting,
      now,
    }),
  }
}

const remainingTokens = (b: ChatBudget) => b.headers()['x-ratelimit-remaining-tokens']

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [12, '12ms'],
    [11.2, '12ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [360_000, '6m0s'],
    [90_500, '1m30.5s'],
    [3_723_000, '1h2m3s'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text)
  })
})

describe('ChatBudget', () => {
  it('allows limit x window / 60 s requests a window, then says when the window ends', () => {
    const { clock, budget: b } = budget(12, Number.POSITIVE_INFINITY)
    expect(b.admit(0).ok).toBe(true)
    expect(b.admit(0).ok).toBe(true)
    clock.now = 2_500
    expect(b.admit(0)).toEqual({
      ok: false,
      kind: 'requests',
      limit: 12,
      retryAfterMs: 7_500,
      tooLarge: false,
    })
    clock.now = 10_000
    expect(b.admit(0).ok).toBe(true)
  })

  it('with refund accounting, settles the charge to the real usage within the window', () => {
    const { clock, budget: b } = budget(Number.POSITIVE_INFINITY, 600, 'fixed', 'refund') // 100 tokens a window
    const first = b.admit(80)
    expect(b.admit(30)).toMatchObject({ ok: false, kind: 'tokens', tooLarge: false })
    if (!first.ok) throw new Error('admitted')
    b.settle(first.ticket, 20)
    expect(remainingTokens(b)).toBe('80')
    const second = b.admit(30)
    if (!second.ok) throw new Error('admitted')
    clock.now = 10_000
    b.settle(second.ticket, 1) // a settlement from a past window changes nothing now
    expect(remainingTokens(b)).toBe('100')
  })

  it.each(['fixed', 'sliding'] as const)(
    'with reserve accounting (%s), never gives back what a request was charged, and adds a usage above it',
    (mode) => {
      const { budget: b } = budget(Number.POSITIVE_INFINITY, 600, mode) // 100 tokens a window
      const first = b.admit(80)
      if (!first.ok) throw new Error('admitted')
      b.settle(first.ticket, 20)
      expect(remainingTokens(b)).toBe('20')
      expect(b.admit(30)).toMatchObject({ ok: false, kind: 'tokens' })
      const second = b.admit(10)
      if (!second.ok) throw new Error('admitted')
      b.settle(second.ticket, 15)
      expect(remainingTokens(b)).toBe('5')
    },
  )

  it('with a sliding window, admits again as the oldest charges slide out, and says when it is whole', () => {
    const { clock, budget: b } = budget(12, Number.POSITIVE_INFINITY, 'sliding') // 2 requests a window
    expect(b.admit(0).ok).toBe(true)
    clock.now = 4_000
    expect(b.admit(0).ok).toBe(true)
    clock.now = 6_000
    // The first slides out at 10 s; the window is whole once the second has, at 14 s.
    expect(b.admit(0)).toMatchObject({ ok: false, kind: 'requests', retryAfterMs: 4_000 })
    expect(b.headers()['x-ratelimit-reset-requests']).toBe('8s')
    expect(b.headers()['x-ratelimit-remaining-requests']).toBe('0')
    clock.now = 10_000
    expect(b.headers()['x-ratelimit-remaining-requests']).toBe('1')
    expect(b.admit(0).ok).toBe(true)
    expect(b.admit(0)).toMatchObject({ ok: false, retryAfterMs: 4_000 })
    clock.now = 25_000
    expect(b.headers()['x-ratelimit-reset-requests']).toBe('0s')
  })

  it('with a sliding window, a refused charge waits for the tokens it needs to slide out', () => {
    const { clock, budget: b } = budget(Number.POSITIVE_INFINITY, 600, 'sliding') // 100 tokens a window
    b.admit(30)
    clock.now = 1_000
    b.admit(30)
    clock.now = 2_000
    b.admit(30)
    clock.now = 3_000
    expect(b.admit(60)).toMatchObject({ ok: false, kind: 'tokens', retryAfterMs: 8_000 })
  })

  it('says a charge above a whole window is too large', () => {
    const { budget: b } = budget(600, 600)
    expect(b.admit(101)).toMatchObject({ ok: false, kind: 'tokens', tooLarge: true })
    expect(b.headers()['x-ratelimit-remaining-requests']).toBe('100')
  })

  it('sends the headers of finite limits only', () => {
    const { clock, budget: b } = budget(60, Number.POSITIVE_INFINITY)
    b.admit(5)
    clock.now = 3_988
    expect(b.headers()).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '9',
      'x-ratelimit-reset-requests': '6.012s',
    })
  })
})
