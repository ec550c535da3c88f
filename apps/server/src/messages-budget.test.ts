import { describe, expect, it } from 'vitest'
import { MessagesBudget } from './messages-budget'

/** A budget over 10 s windows on a clock the test moves; the wall clock stands at 0 (epoch). */
function budget(mode: 'fixed' | 'sliding', limits: { rpm?: number; itpm?: number; otpm?: number }) {
  const clock = { now: 0 }
  const messages = new MessagesBudget({
    requestsPerMinute: limits.rpm ?? Number.POSITIVE_INFINITY,
    inputTokensPerMinute: limits.itpm ?? Number.POSITIVE_INFINITY,
    outputTokensPerMinute: limits.otpm ?? Number.POSITIVE_INFINITY,
    windowMs: 10_000,
    windowMode: mode,
    now: () => clock.now,
    wallClock: () => 0,
  })
  return { messages, clock }
}

describe('MessagesBudget', () => {
  it('gives back the max_tokens an answer did not use, and never the input tokens', () => {
    const { messages } = budget('fixed', { itpm: 600, otpm: 600 }) // 100 and 100 a window
    const first = messages.admit(30, 80)
    if (!first.ok) throw new Error('refused')
    expect(messages.admit(30, 80)).toMatchObject({ ok: false, kind: 'output-tokens', retryAfterMs: 10_000 })
    messages.settle(first.ticket, 20)
    expect(messages.headers()['anthropic-ratelimit-output-tokens-remaining']).toBe('80')
    expect(messages.admit(30, 80).ok).toBe(true)
    expect(messages.headers()['anthropic-ratelimit-input-tokens-remaining']).toBe('40')
    expect(messages.admit(50, 1)).toMatchObject({ ok: false, kind: 'input-tokens' })
  })

  it('in sliding windows, admits again as the first charge slides out; resets are RFC 3339 times', () => {
    const { messages, clock } = budget('sliding', { rpm: 12 }) // 2 requests in any 10 s
    expect(messages.admit(1, 1).ok).toBe(true)
    clock.now = 4_000
    expect(messages.admit(1, 1).ok).toBe(true)
    clock.now = 6_000
    expect(messages.admit(1, 1)).toMatchObject({ ok: false, kind: 'requests', retryAfterMs: 4_000 })
    expect(messages.headers()).toEqual({
      'anthropic-ratelimit-requests-limit': '12',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '1970-01-01T00:00:08.000Z',
    })
    clock.now = 10_000
    expect(messages.admit(1, 1).ok).toBe(true)
  })

  it('a settle after its window ended changes nothing', () => {
    const { messages, clock } = budget('fixed', { otpm: 600 })
    const first = messages.admit(1, 90)
    if (!first.ok) throw new Error('refused')
    clock.now = 10_000
    expect(messages.admit(1, 90).ok).toBe(true)
    messages.settle(first.ticket, 1)
    expect(messages.headers()['anthropic-ratelimit-output-tokens-remaining']).toBe('10')
  })
})
