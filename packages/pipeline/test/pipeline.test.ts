import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { asyncDispose, rejection } from '@boundkit/internal'
import { createPool } from '@boundkit/pool'
import { Jimp } from 'jimp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPipeline, Pipeline, type PipelineError, type PipelineOutcome } from '../src/index'
import { collect } from './collect'
import { download, type ImageServer, startImageServer } from './image-server'

const worker = new URL('./fixtures/thumbnail-worker.mjs', import.meta.url)
let server: ImageServer

beforeAll(async () => {
  server = await startImageServer()
})
afterAll(() => server.close())

type Thumb = { width: number; height: number; png: Uint8Array }

describe('thumbnails: real HTTP downloads, real image decoding in a worker pool', () => {
  it('makes a decodable thumbnail of every image, in input order when ordered', async () => {
    const urls = Array.from(
      { length: 16 },
      (_, i) => `${server.url}/img/${i}.${i % 2 ? 'jpg' : 'png'}?w=160&h=120`,
    )
    await using pipeline = createPipeline<string, ArrayBuffer, Thumb>({
      fetch: { run: download, concurrency: 4 },
      process: { worker, task: 'thumbnail', threads: 2, initData: { width: 64, height: 64 } },
      ordered: true,
    })
    const outcomes = await collect(pipeline.run(urls))
    expect(outcomes.map((o) => o.index)).toEqual(urls.map((_, i) => i))
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('fulfilled')
      if (outcome.status !== 'fulfilled') continue
      expect(outcome.item).toBe(urls[outcome.index])
      expect(outcome.value).toMatchObject({ width: 64, height: 48 })
      const decoded = await Jimp.read(Buffer.from(outcome.value.png))
      expect([decoded.bitmap.width, decoded.bitmap.height]).toEqual([64, 48])
      expect(outcome.timings.fetchMs).toBeGreaterThan(0)
      expect(outcome.timings.processMs).toBeGreaterThan(0)
    }
    const stats = pipeline.stats()
    expect(stats).toMatchObject({ started: 16, fetched: 16, done: 16, failed: 0, fetching: 0, processing: 0 })
    expect(stats.fetchBusyMs).toBeGreaterThan(0)
    expect(stats.processBusyMs).toBeGreaterThan(0)
  })

  it('gives every input exactly one outcome with the right stage and code when things fail', async () => {
    const items = [
      { name: 'ok', url: `${server.url}/img/1.png` },
      { name: 'missing', url: `${server.url}/missing/2.png` },
      { name: 'flaky', url: `${server.url}/flaky/3.png` },
      { name: 'reset', url: `${server.url}/reset/4.png` },
      { name: 'not-an-image', url: `${server.url}/text/5` },
      { name: 'marked', url: 'marked' },
      { name: 'ok-jpg', url: `${server.url}/img/7.jpg` },
    ]
    await using pool = createPool({ worker, threads: 2 })
    const pipeline = createPipeline<(typeof items)[number], ArrayBuffer, Thumb>({
      fetch: {
        run: (item, context) =>
          item.url === 'marked' ? new Uint8Array([1, 2, 3]).buffer : download(item.url, context),
        concurrency: 3,
        retry: { retries: 2, minDelay: 1, maxDelay: 5 },
      },
      process: { pool, task: 'failIfMarked' },
    })
    const outcomes = await collect(pipeline.run(items))
    expect(outcomes).toHaveLength(items.length)
    expect(new Set(outcomes.map((o) => o.index)).size).toBe(items.length)
    const byName = new Map(outcomes.map((o) => [o.item.name, o]))
    const summary = (name: string) => {
      const o = byName.get(name)!
      return o.status === 'fulfilled'
        ? { status: o.status, stage: o.stage, attempts: o.attempts }
        : { status: o.status, stage: o.stage, attempts: o.attempts, code: (o.error as PipelineError).code }
    }
    expect(summary('ok')).toEqual({ status: 'fulfilled', stage: 'process', attempts: 1 })
    expect(summary('ok-jpg')).toEqual({ status: 'fulfilled', stage: 'process', attempts: 1 })
    expect(summary('missing')).toEqual({
      status: 'rejected',
      stage: 'fetch',
      attempts: 1,
      code: 'ERR_FETCH_FAILED',
    })
    expect(summary('flaky')).toEqual({ status: 'fulfilled', stage: 'process', attempts: 2 })
    expect(summary('reset')).toEqual({
      status: 'rejected',
      stage: 'fetch',
      attempts: 3,
      code: 'ERR_FETCH_FAILED',
    })
    expect(summary('not-an-image')).toMatchObject({
      status: 'rejected',
      stage: 'process',
      code: 'ERR_PROCESS_FAILED',
    })
    expect(summary('marked')).toMatchObject({
      status: 'rejected',
      stage: 'process',
      code: 'ERR_PROCESS_FAILED',
    })
    const marked = byName.get('marked')!
    expect(marked.status === 'rejected' && String((marked.error.cause as Error).message)).toContain(
      'marked payload',
    )
    expect(pipeline.stats()).toMatchObject({ done: 7, failed: 4 })
  })

  it('moves binary payloads to the workers without copying them', async () => {
    await using pool = createPool({ worker, threads: 1 })
    const payloads: ArrayBuffer[] = []
    const pipeline = createPipeline<string, ArrayBuffer, Thumb>({
      fetch: {
        run: async (url, context) => {
          const payload = await download(url, context)
          payloads.push(payload)
          return payload
        },
      },
      process: { pool, task: 'thumbnail' },
    })
    const outcomes = await collect(pipeline.run([`${server.url}/img/1.png`, `${server.url}/img/2.jpg`]))
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    expect(payloads).toHaveLength(2)
    // A transferred ArrayBuffer is detached on the sending side: it was moved, not cloned.
    for (const payload of payloads) expect(payload.byteLength).toBe(0)
  })

  it('spills payloads to files, hands the worker their paths, and removes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-spill-test-'))
    try {
      const pipeline = createPipeline<string, ArrayBuffer, Thumb>({
        fetch: { run: download, concurrency: 2 },
        process: { worker, task: 'thumbnailFile', threads: 1 },
        spill: { dir },
      })
      const urls = Array.from({ length: 6 }, (_, i) => `${server.url}/img/${i}.png`)
      const outcomes = await collect(pipeline.run(urls))
      expect(outcomes.map((o) => o.status)).toEqual(urls.map(() => 'fulfilled'))
      const [folder] = readdirSync(dir)
      expect(folder).toMatch(/^boundkit-pipeline-/)
      expect(readdirSync(join(dir, folder!))).toEqual([])
      await pipeline.close()
      expect(readdirSync(dir)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('flow control', () => {
  it('never lets more than `buffer` fetched payloads wait for a slow process stage', async () => {
    let buffered = 0
    let maxBuffered = 0
    let processStarts = 0
    const pipeline = createPipeline<number, number, number>({
      fetch: {
        run: async (n) => {
          await sleep(0)
          buffered++
          maxBuffered = Math.max(maxBuffered, buffered)
          return n
        },
        concurrency: 8,
      },
      process: {
        run: async (n) => {
          buffered--
          processStarts++
          await sleep(2)
          return n * 2
        },
        concurrency: 2,
      },
      buffer: 3,
    })
    const outcomes = await collect(pipeline.run(Array.from({ length: 60 }, (_, i) => i)))
    expect(outcomes).toHaveLength(60)
    expect(processStarts).toBe(60)
    expect(maxBuffered).toBeGreaterThan(0)
    expect(maxBuffered).toBeLessThanOrEqual(3)
    expect(pipeline.stats().maxBuffered).toBeLessThanOrEqual(3)
    expect(pipeline.stats().overlapMs).toBeGreaterThan(0)
  })

  it('pulls a huge input lazily and closes it when the consumer stops', async () => {
    let pulled = 0
    let returned = false
    async function* million() {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++
          yield i
        }
      } finally {
        returned = true
      }
    }
    const pipeline = createPipeline<number, number, number>({
      fetch: { run: (n) => n, concurrency: 4 },
      process: { run: (n) => n + 1, concurrency: 2 },
      buffer: 4,
    })
    let seen = 0
    for await (const outcome of pipeline.run(million())) {
      expect(outcome.status).toBe('fulfilled')
      if (++seen === 50) break
    }
    expect(returned).toBe(true)
    // At most buffer + process concurrency items are ever between the input and the consumer.
    expect(pulled).toBeLessThanOrEqual(50 + 4 + 2 + 1)
  })

  it('yields in completion order unless ordered, and each index once either way', async () => {
    const delays = [30, 1, 20, 1, 10, 1, 5, 1]
    const make = (ordered: boolean) =>
      createPipeline<number, number, number>({
        fetch: { run: (i) => sleep(delays[i]!, i), concurrency: 8 },
        process: { run: (i) => i, concurrency: 8 },
        ordered,
      })
    const ordered = (await collect(make(true).run(delays.keys()))).map((o) => o.index)
    const unordered = (await collect(make(false).run(delays.keys()))).map((o) => o.index)
    expect(ordered).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect([...unordered].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(unordered[0]).not.toBe(0)
  })

  it('shares one run signal among many items in flight without a listener-leak warning', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      const pipeline = createPipeline<number, number, number>({
        fetch: { run: (n, { signal }) => sleep(1, n, { signal }), concurrency: 32 },
        process: { run: (n, { signal }) => sleep(1, n, { signal }), concurrency: 32 },
      })
      const outcomes = await collect(pipeline.run(Array.from({ length: 200 }, (_, i) => i)))
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(200)
      await sleep(10)
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning')
  })
})

describe('cancellation', () => {
  it('stops fetching on abort, reports every pulled item once, and leaves no temp file or busy worker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-abort-test-'))
    await using pool = createPool({ worker, threads: 2 })
    const controller = new AbortController()
    const pipeline = createPipeline<string, ArrayBuffer, Thumb>({
      fetch: { run: download, concurrency: 2 },
      process: { pool, task: 'thumbnailFile' },
      spill: { dir },
      signal: controller.signal,
    })
    const urls = Array.from({ length: 200 }, (_, i) => `${server.url}/img/${i}.jpg?w=320&h=240`)
    const outcomes: PipelineOutcome<string, Thumb>[] = []
    let thrown: unknown
    try {
      for await (const outcome of pipeline.run(urls)) {
        outcomes.push(outcome)
        if (outcomes.length === 5) controller.abort()
      }
    } catch (error) {
      thrown = error
    }
    expect((thrown as PipelineError).code).toBe('ERR_ABORTED')
    const indexes = outcomes.map((o) => o.index)
    expect(new Set(indexes).size).toBe(indexes.length)
    expect(indexes.length).toBeLessThan(urls.length)
    const started = pipeline.stats().started
    expect(indexes.length).toBe(started)
    const aborted = outcomes.filter((o) => o.status === 'rejected')
    for (const o of aborted) expect((o.error as PipelineError).code).toBe('ERR_ABORTED')
    expect(pool.stats().running ?? 0).toBe(0)
    await pipeline.close()
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([])
    await rm(dir, { recursive: true, force: true })
  })

  it('closing the pipeline cancels its run and refuses new ones', async () => {
    const pipeline = createPipeline<number, number, number>({
      fetch: { run: (n, { signal }) => sleep(50, n, { signal }) },
      process: { run: (n) => n },
    })
    const iterator = pipeline.run([1, 2, 3, 4])
    const first = iterator.next()
    await pipeline.close()
    const outcome = await first
    expect(outcome.done === false && outcome.value.status).toBe('rejected')
    expect(() => pipeline.run([1])).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }))
  })

  it('reports an input that throws after the items already in flight', async () => {
    function* broken() {
      yield 1
      yield 2
      throw new Error('input broke')
    }
    const pipeline = createPipeline<number, number, number>({
      fetch: { run: (n) => n },
      process: { run: (n) => n },
    })
    const outcomes: number[] = []
    await expect(
      (async () => {
        for await (const o of pipeline.run(broken())) outcomes.push(o.index)
      })(),
    ).rejects.toMatchObject({
      code: 'ERR_SOURCE_FAILED',
      cause: expect.objectContaining({ message: 'input broke' }),
    })
    expect(outcomes.sort()).toEqual([0, 1])
  })

  it('ends with ERR_SOURCE_FAILED when the input throws undefined, not as if it had ended', async () => {
    function* broken() {
      yield 1
      throw undefined
    }
    const pipeline = createPipeline<number, number, number>({
      fetch: { run: (n) => n },
      process: { run: (n) => n },
    })
    const error = await rejection<PipelineError>(collect(pipeline.run(broken())))
    expect(error.code).toBe('ERR_SOURCE_FAILED')
    expect('cause' in error && error.cause === undefined).toBe(true)
  })
})

describe('lifecycle', () => {
  it('is a class: new Pipeline(options) works like createPipeline(options)', async () => {
    const pipeline = new Pipeline({
      fetch: { run: (n: number) => n + 1 },
      process: { run: (n: number) => n * 2 },
    })
    expect(createPipeline({ fetch: { run: (n: number) => n }, process: { run: (n) => n } })).toBeInstanceOf(
      Pipeline,
    )
    const outcomes = await collect(pipeline.run([1, 2]))
    expect(outcomes.map((o) => o.status === 'fulfilled' && o.value).sort()).toEqual([4, 6])
  })

  it('close() returns the same promise every time, and [asyncDispose] closes too', async () => {
    const pipeline = createPipeline<number, number, number>({
      fetch: { run: (n) => n },
      process: { worker, task: 'thumbnail', threads: 1 },
    })
    const first = pipeline.close()
    expect(pipeline.close()).toBe(first)
    expect(pipeline[asyncDispose]()).toBe(first)
    await first
    expect(() => pipeline.run([1])).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }))
  })
})

describe('any thrown value is a failure (null and undefined included)', () => {
  it.each([null, undefined])('an in-thread process stage that throws %s', async (thrown) => {
    const pipeline = createPipeline<number, number, number>({
      fetch: { run: (n) => n },
      process: {
        run: () => {
          throw thrown
        },
      },
    })
    const [outcome] = await collect(pipeline.run([1]))
    expect(outcome).toMatchObject({ status: 'rejected', stage: 'process' })
    const error = outcome!.status === 'rejected' ? outcome!.error : undefined
    expect(error?.code).toBe('ERR_PROCESS_FAILED')
    expect(error?.cause).toBe(thrown)
    expect(pipeline.stats()).toMatchObject({ done: 1, failed: 1 })
  })

  it.each(['null', 'undefined'])('a pool task that throws %s', async (thrown) => {
    await using pool = createPool({ worker, threads: 1 })
    const pipeline = createPipeline<string, string, unknown>({
      fetch: { run: (name) => name },
      process: { pool, task: 'throwNothing' },
    })
    const [outcome] = await collect(pipeline.run([thrown]))
    expect(outcome).toMatchObject({ status: 'rejected', stage: 'process' })
    const error = outcome!.status === 'rejected' ? outcome!.error : undefined
    expect(error?.code).toBe('ERR_PROCESS_FAILED')
    expect(error?.cause).toBe(thrown === 'null' ? null : undefined)
  })
})
