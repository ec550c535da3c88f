import { describe, expect, it } from 'vitest'
import { AnswerError } from '../../http'
import { runNaive } from './naive-client'

describe('runNaive', () => {
  it('counts every request, 429 and retry, and the items lost after their retries', async () => {
    const calls = new Map<string, number>()
    const settled: [number, number][] = []
    const run = await runNaive(
      ['ok', 'twice-429', 'always-500'],
      async (item) => {
        const n = (calls.get(item) ?? 0) + 1
        calls.set(item, n)
        if (item === 'twice-429' && n <= 2) throw new AnswerError(429, 'HTTP 429')
        if (item === 'always-500') throw new AnswerError(500, 'HTTP 500')
      },
      { retries: 3, firstDelay: 1, onSettled: (ok, failed) => settled.push([ok, failed]) },
    )
    expect(run).toEqual({ ok: 2, failed: 1, requests: 1 + 3 + 4, rateLimited: 2, retries: 2 + 3 })
    expect(Object.fromEntries(calls)).toEqual({ ok: 1, 'twice-429': 3, 'always-500': 4 })
    expect(settled).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
    ])
  })

  it('keeps at most `concurrency` calls in flight, and every item when it is unset', async () => {
    const widest = async (concurrency?: number) => {
      let inFlight = 0
      let most = 0
      await runNaive(
        Array.from({ length: 10 }, (_, i) => i),
        async () => {
          most = Math.max(most, ++inFlight)
          await new Promise((resolve) => setImmediate(resolve))
          inFlight--
        },
        { concurrency, retries: 0, firstDelay: 1 },
      )
      return most
    }
    expect(await widest(3)).toBe(3)
    expect(await widest()).toBe(10)
  })
})
