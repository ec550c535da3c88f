import { describe, expect, it } from 'vitest'
import { parseGoDuration } from './go-duration'
import { FIRST_WINDOW_MS, windowSpanOf } from './window-span'

describe('parseGoDuration (OpenAI resets)', () => {
  it('reads the durations Go prints', () => {
    expect(parseGoDuration('1s')).toBe(1000)
    expect(parseGoDuration('6m0s')).toBe(360_000)
    expect(parseGoDuration('12ms')).toBe(12)
    expect(parseGoDuration('1m30.5s')).toBe(90_500)
    expect(parseGoDuration('1h2m')).toBe(3_720_000)
    expect(parseGoDuration('250us')).toBeCloseTo(0.25)
    expect(parseGoDuration('250µs')).toBeCloseTo(0.25)
    expect(parseGoDuration('3ns')).toBeCloseTo(3e-6)
    expect(parseGoDuration(' 2s ')).toBe(2000)
    expect(parseGoDuration('0.5')).toBe(500) // a bare number is seconds
  })

  it('garbage is undefined, never a throw', () => {
    for (const bad of [
      '',
      's',
      'abc',
      '1x',
      '-1s',
      '1s2',
      '1e12s',
      '1 s',
      'NaNs',
      '∞',
      `${'9'.repeat(80)}s`,
    ]) {
      expect(parseGoDuration(bad), bad).toBeUndefined()
    }
    expect(parseGoDuration(undefined)).toBeUndefined()
  })
})

describe('windowSpanOf (a server window from its longest reset)', () => {
  it('rounds up to 100, 200, 250, 500 ms or 1 s, else to whole seconds', () => {
    expect([1, 100, 101, 201, 251, 501, 1000, 1001, 9_950, 10_000].map(windowSpanOf)).toEqual([
      100, 100, 200, 250, 500, 1000, 1000, 2000, 10_000, 10_000,
    ])
    expect(FIRST_WINDOW_MS).toBe(1000)
  })
})
