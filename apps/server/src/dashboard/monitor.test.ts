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

const info = { label: 'batch', detail: 'in.jsonl → out.jsonl', total: 100 }

describe('RunMonitor', () => {
  it('keeps the latency percentiles of the run and the errors by code with their first message', () => {
    const reading = { done: 0, failed: 0, requests: 0, limiter: stats() }
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
      { code: 'ERR_HTTP_STATUS', count: 2, retried: 0, sample: 'HTTP 500' },
      { code: 'ERR_TIMEOUT', count: 1, retried: 0, sample: 'timed out' },
    ])
    expect(view).toMatchObject({ finished: true, etaMs: 0, done: 100, failed: 3 })
  })

  it('adds the retried attempts to the errors by code, and reads 0 for the rate once finished', () => {
    const reading = {
      done: 10,
      failed: 1,
      requests: 15,
      limiter: stats(),
      retryReasons: { '429': 3, '5xx': 1 },
      retryErrors: [
        { code: 'HTTP 429', count: 3, sample: 'HTTP 429' },
        { code: 'HTTP 503', count: 1, sample: 'HTTP 503' },
      ],
      unwritten: 2,
      tokens: { perMinute: 1200, limitPerMinute: 5000 },
      cost: { usd: 0.01, maxUsd: 1 },
      etaFloorMs: 90_000,
    }
    const monitor = new RunMonitor(info, () => reading)
    monitor.record(10, { code: 'HTTP 503', message: 'HTTP 503' })
    monitor.start()
    const running = monitor.view()
    // The items left take at least what the limits allow: the ETA is never below the floor.
    expect(running.etaMs).toBeGreaterThanOrEqual(90_000)
    expect(running).toMatchObject({
      unwritten: 2,
      retryReasons: { '429': 3, '5xx': 1 },
      tokens: reading.tokens,
      cost: reading.cost,
    })
    monitor.finish(false)
    const view = monitor.view()
    expect(view.rateNow).toBe(0)
    expect(view.errors).toEqual([
      { code: 'HTTP 429', count: 0, retried: 3, sample: 'HTTP 429' },
      { code: 'HTTP 503', count: 1, retried: 1, sample: 'HTTP 503' },
    ])
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
      limiter: stats({ windows }),
    }))
    const seen: number[][] = []
    monitor.subscribe((sample) => seen.push(sample.windowUse))
    monitor.finish(false)
    expect(seen).toEqual([[0.5, 0.25]])
    expect(monitor.view().windows.map((w) => w.label)).toEqual(['requests/min', 'tokens/min'])
  })

  it('gives the samples after an event id, and ids that rise by one', () => {
    const monitor = new RunMonitor(info, () => ({ done: 0, failed: 0, requests: 0, limiter: stats() }))
    monitor.start()
    monitor.finish(true)
    expect(monitor.samples().map((s) => s.id)).toEqual([1, 2])
    expect(monitor.samples(1).map((s) => s.id)).toEqual([2])
    expect(monitor.view().interrupted).toBe(true)
  })
  it('shows a pool, a pipeline and the workers of a distributed run beside the counts', () => {
    const pool = {
      threads: 4,
      queued: 7,
      running: 3,
      done: 20,
      failed: 1,
      crashed: 0,
      utilization: 0.6,
      runTime: { mean: 10, p50: 9, p90: 15, p99: 30, max: 31 },
      waitTime: { mean: 1, p50: 1, p90: 2, p99: 3, max: 4 },
    }
    const pipeline = {
      started: 30,
      fetching: 2,
      fetched: 25,
      fetchFailed: 1,
      buffered: 5,
      processing: 3,
      done: 21,
      failed: 2,
      retried: 4,
      rate: 3,
      elapsedMs: 7000,
      fetchBusyMs: 6000,
      processBusyMs: 5000,
      overlapMs: 4000,
      maxBuffered: 8,
    }
    const live = {
      inFlight: 3,
      concurrency: 4,
      rateLimited: 2,
      limiter: { concurrency: 4, running: 3, queued: 0, coolingDown: true },
    }
    const workers = [
      { name: 'b:2', done: 10, failed: 0 },
      { name: 'a:1', done: 29, failed: 1, live },
    ]
    const monitor = new RunMonitor({ label: 'demo', detail: '', total: null }, () => ({
      done: 19,
      failed: 2,
      phase: 'mixed: pipeline',
      pool,
      pipeline,
      workers,
    }))
    const samples: unknown[] = []
    monitor.subscribe((sample) => samples.push(sample))
    monitor.finish(false)
    const view = monitor.view()
    expect(view).toMatchObject({ phase: 'mixed: pipeline', total: null, etaMs: null, inFlight: 5, queued: 5 })
    expect(view.pool).toEqual({
      threads: 4,
      busy: 3,
      queued: 7,
      utilization: 0.6,
      done: 20,
      failed: 1,
      crashed: 0,
      runP50: 9,
      runP99: 30,
    })
    expect(view.pipeline).toMatchObject({ fetching: 2, buffered: 5, processing: 3, overlapMs: 4000 })
    expect(view.workers).toEqual([
      { name: 'a:1', done: 29, failed: 1, share: 0.75, live },
      { name: 'b:2', done: 10, failed: 0, share: 0.25 },
    ])
    expect(samples).toMatchObject([
      { pool: { busy: 3, queued: 7, threads: 4 }, stages: { fetching: 2, buffered: 5, processing: 3 } },
    ])
  })

  it('keeps the recent latencies of a busy run bounded: a sample of each second', () => {
    const monitor = new RunMonitor(info, () => ({ done: 0, failed: 0 }))
    for (let i = 0; i < 50_000; i++) monitor.record(i % 100)
    const seen: (number | null)[] = []
    monitor.subscribe((sample) => seen.push(sample.p50))
    monitor.finish(false)
    // 50,000 latencies 0..99 evenly: the median of the sample is near 50 (a sample of 1,000 per second).
    expect(seen[0]).toBeGreaterThanOrEqual(40)
    expect(seen[0]).toBeLessThanOrEqual(60)
    expect(monitor.view().latency.p50).toBeGreaterThanOrEqual(40)
  })
})
