import type { LimiterStats } from '@boundkit/limiter'
import { describe, expect, it } from 'vitest'
import { RunMonitor } from './monitor'

function stats(over: Partial<LimiterStats> = {}): LimiterStats {
  return {
    running: 0,
    queued: 0,
    waiting: 0,
    done: 0,
    failed: 0,
    retried: 0,
    concurrency: 8,
    paused: false,
    coolingDown: false,
    cooldownUntil: 0,
    cooldowns: 0,
    retryAfterDelays: 0,
    cooldownMs: 0,
    rateLimited: 0,
    windows: [],
    ...over,
  }
}

const info = { label: 'batch', input: 'in.jsonl', out: 'out.jsonl', total: 100 }

describe('RunMonitor', () => {
  it('keeps the latency percentiles of the run and the errors by code with their first message', () => {
    const reading = { done: 0, failed: 0, requests: 0, stats: stats() }
    const monitor = new RunMonitor(info, () => reading)
    for (let ms = 1; ms <= 100; ms++) monitor.record(ms)
    monitor.record(500, { code: 'ERR_HTTP_STATUS', message: 'HTTP 500' })
    monitor.record(700, { code: 'ERR_HTTP_STATUS', message: 'HTTP 502' })
    monitor.record(900, { code: 'ERR_TIMEOUT', message: 'timed out' })
    reading.done = 100
    reading.failed = 3
    monitor.finish(false)
    const view = monitor.view()
    expect(view.latency).toEqual({ p50: 52, p90: 93, p99: 700 })
    expect(view.errors).toEqual([
      { code: 'ERR_HTTP_STATUS', count: 2, sample: 'HTTP 500' },
      { code: 'ERR_TIMEOUT', count: 1, sample: 'timed out' },
    ])
    expect(view).toMatchObject({ finished: true, etaMs: 0, done: 100, failed: 3 })
  })

  it('reads the windows as shares of their limits and names them', () => {
    const windows = [
      { limit: 500, interval: 60_000, cost: undefined, used: 250 },
      { limit: 200_000, interval: 60_000, cost: 'tokens', used: 50_000 },
    ]
    const monitor = new RunMonitor(info, () => ({
      done: 1,
      failed: 0,
      requests: 1,
      stats: stats({ windows }),
    }))
    const seen: number[][] = []
    monitor.subscribe((sample) => seen.push(sample.windowUse))
    monitor.finish(false)
    expect(seen).toEqual([[0.5, 0.25]])
    expect(monitor.view().windows.map((w) => w.label)).toEqual(['requests/min', 'tokens/min'])
  })

  it('gives the samples after an event id, and ids that rise by one', () => {
    const monitor = new RunMonitor(info, () => ({ done: 0, failed: 0, requests: 0, stats: stats() }))
    monitor.start()
    monitor.finish(true)
    expect(monitor.samples().map((s) => s.id)).toEqual([1, 2])
    expect(monitor.samples(1).map((s) => s.id)).toEqual([2])
    expect(monitor.view().interrupted).toBe(true)
  })
})
