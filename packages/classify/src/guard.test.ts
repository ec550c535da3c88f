import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ClassifyError } from './errors'
import { createGuard, type Guard, repeatWithinBudget } from './guard'

afterEach(() => {
  vi.useRealTimers()
})

describe('createGuard', () => {
  it('waits out a deadline longer than one timer can wait, instead of firing after 1 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const guard = createGuard(2 ** 31 + 1000, 'timeout', undefined)
    let settled = false
    const waiting = rejection<ClassifyError>(guard.wait(new Promise(() => {}))).finally(() => {
      settled = true
    })
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1001)
    const error = await waiting
    expect(error.code).toBe('ERR_TIMEOUT')
    expect(error.message).toBe(`The task did not settle within the timeout of ${2 ** 31 + 1000} ms`)
  })

  it('sets no timer without a deadline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const guard = createGuard(Number.POSITIVE_INFINITY, 'timeBudget', undefined)
    const value = guard.wait(Promise.resolve(7))
    expect(vi.getTimerCount()).toBe(0)
    await expect(value).resolves.toBe(7)
    expect(guard.remaining()).toBe(Number.POSITIVE_INFINITY)
    expect(() => guard.check()).not.toThrow()
  })
})

describe('repeatWithinBudget', () => {
  /** A guard with `budget` ms left, each run taking `runMs` of it. */
  function budgetOf(budget: number): { guard: Guard; spend: (ms: number) => void } {
    let left = budget
    const guard: Guard = {
      remaining: () => left,
      check: () => {},
      wait: (promise) => Promise.resolve(promise),
    }
    return { guard, spend: (ms) => (left -= ms) }
  }

  it('stops before a run that may take as long as the slowest so far and not fit in the time left', async () => {
    const { guard, spend } = budgetOf(100)
    const times = [10, 10, 50, 10, 10]
    const runs = await repeatWithinBudget(times.length, guard, async () => {
      const wallMs = times.shift()!
      spend(wallMs)
      return { wallMs }
    })
    // 30 ms left after three runs: the median run (10 ms) fits, the slowest (50 ms) may not.
    expect(runs.map((r) => r.wallMs)).toEqual([10, 10, 50])
  })

  it('always makes the first run, and at most `runs`', async () => {
    const short = budgetOf(10)
    expect(await repeatWithinBudget(3, short.guard, async () => ({ wallMs: 50 }))).toHaveLength(1)
    const long = budgetOf(Number.POSITIVE_INFINITY)
    expect(await repeatWithinBudget(3, long.guard, async () => ({ wallMs: 50 }))).toHaveLength(3)
  })
})
