import { describe, expect, it } from 'vitest'
import { ChatBudget, goDuration } from './chat-budget'

function budget(requestsPerMinute: number, tokensPerMinute: number) {
  const clock = { now: 0 }
  return {
    clock,
    budget: new ChatBudget({ requestsPerMinute, tokensPerMinute, windowMs: 10_000, now: () => clock.now }),
  }
}

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

  it('charges tokens at admission and settles them to the real usage within the window', () => {
    const { clock, budget: b } = budget(Number.POSITIVE_INFINITY, 600) // 100 tokens a window
    const first = b.admit(80)
    expect(b.admit(30)).toMatchObject({ ok: false, kind: 'tokens', tooLarge: false })
    if (!first.ok) throw new Error('admitted')
    b.settle(first.ticket, 20)
    expect(b.headers()['x-ratelimit-remaining-tokens']).toBe('80')
    const second = b.admit(30)
    if (!second.ok) throw new Error('admitted')
    clock.now = 10_000
    b.settle(second.ticket, 1) // a settlement from a past window changes nothing now
    expect(b.headers()['x-ratelimit-remaining-tokens']).toBe('100')
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
