import { describe, expect, it } from 'vitest'
import { faultPicker } from './faults'
import { latencySampler } from './latency'
import { hashString, seededRandom } from './random'

const draws = <T>(sample: () => T, count: number): T[] => Array.from({ length: count }, sample)
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

describe('seededRandom', () => {
  it('replays the same sequence for the same seed, a different one otherwise', () => {
    expect(draws(seededRandom(42), 5)).toEqual(draws(seededRandom(42), 5))
    expect(draws(seededRandom(42), 5)).not.toEqual(draws(seededRandom(43), 5))
    for (const value of draws(seededRandom(7), 1000)) {
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThan(1)
    }
  })

  it('hashes strings stably', () => {
    expect(hashString('abc')).toBe(hashString('abc'))
    expect(hashString('abc')).not.toBe(hashString('abd'))
  })
})

describe('latencySampler', () => {
  const base = { meanMs: 100, spreadMs: 20, maxMs: 1000 }

  it('draws fixed, uniform, normal and exponential latencies around the mean', () => {
    expect(draws(latencySampler({ ...base, distribution: 'fixed' }, seededRandom(1)), 3)).toEqual([
      100, 100, 100,
    ])
    const uniform = draws(latencySampler({ ...base, distribution: 'uniform' }, seededRandom(1)), 2000)
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(80)
    expect(Math.max(...uniform)).toBeLessThanOrEqual(120)
    expect(mean(uniform)).toBeCloseTo(100, -1)
    const normal = draws(latencySampler({ ...base, distribution: 'normal' }, seededRandom(2)), 2000)
    expect(mean(normal)).toBeCloseTo(100, -1)
    const exponential = draws(latencySampler({ ...base, distribution: 'exponential' }, seededRandom(3)), 4000)
    expect(mean(exponential)).toBeGreaterThan(80)
    expect(mean(exponential)).toBeLessThan(120)
  })

  it('clamps draws to [0, maxMs]', () => {
    const wide = latencySampler(
      { meanMs: 10, spreadMs: 1000, maxMs: 50, distribution: 'normal' },
      seededRandom(4),
    )
    for (const value of draws(wide, 500)) {
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThanOrEqual(50)
    }
  })

  it('follows an injected random source', () => {
    const sample = latencySampler({ ...base, distribution: 'uniform' }, () => 0)
    expect(sample()).toBe(80)
  })
})

describe('faultPicker', () => {
  it('fails about the configured share, with the configured kinds', () => {
    const pick = faultPicker(0.25, ['500', 'reset'], seededRandom(5))
    const picks = draws(pick, 4000)
    const failed = picks.filter((p) => p !== undefined)
    expect(failed.length / picks.length).toBeGreaterThan(0.2)
    expect(failed.length / picks.length).toBeLessThan(0.3)
    expect(new Set(failed)).toEqual(new Set(['500', 'reset']))
  })

  it('never fails at rate 0 and always at rate 1', () => {
    expect(draws(faultPicker(0, ['503'], seededRandom(6)), 100).every((p) => p === undefined)).toBe(true)
    expect(draws(faultPicker(1, ['503'], seededRandom(6)), 100).every((p) => p === '503')).toBe(true)
  })
})
