import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createPipeline, type PipelineStats } from '../src/index'
import { collect } from './collect'

/** Fetch and process in this thread; items whose number is negative fail to fetch. */
function pipelineOf(options: { fetchConcurrency?: number; processConcurrency?: number } = {}) {
  return createPipeline<number, number, number>({
    fetch: {
      run: async (n) => {
        await sleep(1)
        if (n < 0) throw new Error(`cannot fetch ${n}`)
        return n
      },
      concurrency: options.fetchConcurrency ?? 4,
      retry: false,
    },
    process: {
      run: async (n) => {
        await sleep(1)
        return n * 2
      },
      concurrency: options.processConcurrency ?? 2,
    },
  })
}

describe("on('progress')", () => {
  it('fires once per change of state: one item is 4 changes (fetch start, fetched, process start, done)', async () => {
    const pipeline = pipelineOf({ fetchConcurrency: 1, processConcurrency: 1 })
    const seen: PipelineStats[] = []
    pipeline.on('progress', (stats) => seen.push(stats))
    await collect(pipeline.run([1]))
    expect(
      seen.map(({ started, fetching, fetched, buffered, processing, done }) => ({
        started,
        fetching,
        fetched,
        buffered,
        processing,
        done,
      })),
    ).toEqual([
      { started: 1, fetching: 1, fetched: 0, buffered: 0, processing: 0, done: 0 },
      { started: 1, fetching: 0, fetched: 1, buffered: 1, processing: 0, done: 0 },
      { started: 1, fetching: 0, fetched: 1, buffered: 0, processing: 1, done: 0 },
      { started: 1, fetching: 0, fetched: 1, buffered: 0, processing: 0, done: 1 },
    ])
  })

  it('never shows an in-between state: every item is counted in exactly one place', async () => {
    const pipeline = pipelineOf()
    const seen: PipelineStats[] = []
    pipeline.on('progress', (stats) => seen.push(stats))
    const items = Array.from({ length: 30 }, (_, i) => (i % 7 === 3 ? -i : i))
    const outcomes = await collect(pipeline.run(items))
    expect(outcomes).toHaveLength(30)
    expect(seen.length).toBeGreaterThan(30)
    for (const stats of seen) {
      // Taken from the input = being fetched + fetched + failed to fetch.
      expect(stats.started).toBe(stats.fetching + stats.fetched + stats.fetchFailed)
      // Fetched = waiting + processing + done after the process stage.
      expect(stats.fetched).toBe(stats.buffered + stats.processing + (stats.done - stats.fetchFailed))
      expect(stats.failed).toBe(stats.fetchFailed)
    }
  })

  it('counts failed fetches', async () => {
    const pipeline = pipelineOf()
    await collect(pipeline.run([1, -2, 3, -4, -5]))
    expect(pipeline.stats()).toMatchObject({
      started: 5,
      fetched: 2,
      fetchFailed: 3,
      done: 5,
      failed: 3,
      fetching: 0,
      buffered: 0,
      processing: 0,
    })
  })

  it('stops calling a listener once unsubscribed, and a throwing listener never breaks the run', async () => {
    const pipeline = pipelineOf()
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    let calls = 0
    try {
      const unsubscribe = pipeline.on('progress', () => {
        if (++calls === 1) throw new Error('listener broke')
      })
      const outcomes = await collect(pipeline.run([1, 2, 3]))
      expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
      expect(calls).toBeGreaterThan(1)
      unsubscribe()
      const before = calls
      await collect(pipeline.run([4]))
      expect(calls).toBe(before)
      await sleep(10)
    } finally {
      process.off('warning', onWarning)
    }
    expect(calls).toBeGreaterThan(0)
    expect(warnings.some((warning) => warning.name === 'BoundkitListenerWarning')).toBe(true)
  })

  it('stats() holds everything, as a fresh object each time', async () => {
    const pipeline = pipelineOf()
    await collect(pipeline.run([1, 2, 3]))
    const stats = pipeline.stats()
    expect(stats).not.toBe(pipeline.stats())
    expect(Object.keys(stats).sort()).toEqual(
      [
        'buffered',
        'done',
        'elapsedMs',
        'failed',
        'fetchBusyMs',
        'fetchFailed',
        'fetched',
        'fetching',
        'maxBuffered',
        'overlapMs',
        'processBusyMs',
        'processing',
        'rate',
        'retried',
        'started',
      ].sort(),
    )
    expect(stats).toMatchObject({ started: 3, done: 3, failed: 0 })
    expect(stats.rate).toBeGreaterThan(0)
    expect('progress' in pipeline).toBe(false)
  })
})
