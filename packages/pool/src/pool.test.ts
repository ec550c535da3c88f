import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fixturePool } from '../test/helpers'
import type { Pool } from './index'

let pool: Pool
afterEach(async () => {
  await pool?.destroy()
})

describe('run', () => {
  it('runs named sync and async tasks and hands every task the ctx init returned', async () => {
    pool = fixturePool('basic.mjs', { initData: { multiplier: 3 } })
    expect(await pool.run('double', 7)).toBe(42)
    expect(await pool.run('slowDouble', { n: 4, ms: 5 })).toBe(8)
    const ctx = (await pool.run('ctx', null)) as { multiplier: number; loadedAt: number }
    expect(ctx).toMatchObject({ multiplier: 3, loadedAt: 1 })
  })

  it('runs init once per worker: the ctx persists across tasks on one worker', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    const counts = []
    for (let i = 0; i < 5; i++) counts.push(await pool.run('counter', null))
    expect(counts).toEqual([1, 2, 3, 4, 5])
    expect(await pool.run('ctx', null)).toMatchObject({ loadedAt: 1 })
  })

  it('passes task errors through as they were thrown', async () => {
    pool = fixturePool()
    const error = await rejection(pool.run('fail', 'bad input'))
    expect(error.message).toBe('bad input')
    expect(error.code).toBeUndefined()
  })

  it('rejects when a task throws null or undefined, sync or async (any throw is a failure)', async () => {
    pool = fixturePool()
    for (const task of ['throwValue', 'rejectValue']) {
      const caught: unknown[] = []
      for (const kind of ['null', 'undefined']) {
        caught.push(
          await pool.run(task, kind).then(
            () => 'fulfilled',
            (error: unknown) => error,
          ),
        )
      }
      expect(caught).toEqual([null, undefined])
    }
    expect(pool.stats()).toMatchObject({ done: 0, failed: 4 })
  })

  it('rejects an unknown task name with ERR_UNKNOWN_TASK naming the known ones', async () => {
    pool = fixturePool()
    const error = await rejection(pool.run('nope', 1))
    expect(error.code).toBe('ERR_UNKNOWN_TASK')
    expect(error.message).toMatch(/Unknown task "nope".*"double"/)
  })

  it('rejects input that cannot be cloned with ERR_DATA_CLONE, and a result that cannot', async () => {
    pool = fixturePool()
    expect((await rejection(pool.run('double', () => 1))).code).toBe('ERR_DATA_CLONE')
    expect((await rejection(pool.run('returnFunction', null))).code).toBe('ERR_DATA_CLONE')
    expect(await pool.run('double', 2)).toBe(4)
  })

  it('rejects initData that cannot be cloned with ERR_DATA_CLONE at creation', () => {
    let error: { code?: string; message: string } | undefined
    try {
      pool = fixturePool('basic.mjs', { initData: { load: () => 1 } })
    } catch (e) {
      error = e as { code?: string; message: string }
    }
    expect(error?.code).toBe('ERR_DATA_CLONE')
    expect(error?.message).toMatch(/initData/)
  })

  it("transfer: 'auto' moves the buffers the input owns whole, and copies views onto part of one", async () => {
    pool = fixturePool()
    const whole = new Uint8Array(64)
    const raw = new ArrayBuffer(32)
    const pooled = Buffer.from("a small Buffer shares Node's pool")
    expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength)
    const input = { whole, raw, pooled, nested: { deep: new Uint8Array(16) } }
    const lengths = await pool.run('byteLengths', input, { transfer: 'auto' })
    expect(lengths).toEqual({ whole: 64, raw: 32, pooled: pooled.byteLength, nested: null })
    expect(whole.byteLength).toBe(0)
    expect(raw.byteLength).toBe(0)
    expect(pooled.byteLength).toBeGreaterThan(0)
    expect(input.nested.deep.byteLength).toBe(16)
    const top = new Float64Array(8)
    expect(await pool.run('byteLength', top, { transfer: 'auto' })).toBe(64)
    expect(top.byteLength).toBe(0)
    const items = [new Uint8Array(8), new Uint8Array(8), new Uint8Array(8)]
    expect(await pool.mapAll(items, 'byteLength', { transfer: 'auto', chunkSize: 2 })).toEqual([8, 8, 8])
    expect(items.map((a) => a.byteLength)).toEqual([0, 0, 0])
  })

  it('moves an ArrayBuffer listed in `transfer` instead of copying it', async () => {
    pool = fixturePool()
    const buffer = new ArrayBuffer(1024)
    expect(await pool.run('byteLength', buffer, { transfer: [buffer] })).toBe(1024)
    expect(buffer.byteLength).toBe(0)
    const kept = new ArrayBuffer(16)
    expect(await pool.run('byteLength', kept)).toBe(16)
    expect(kept.byteLength).toBe(16)
  })
})

describe('abort and timeout', () => {
  it('rejects with ERR_ABORTED when the signal aborts, queued or running, and keeps serving', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    const controller = new AbortController()
    const running = pool.run('slowDouble', { n: 1, ms: 60_000 }, { signal: controller.signal })
    const queued = pool.run('double', 1, { signal: controller.signal })
    controller.abort(new Error('user cancelled'))
    const [a, b] = await Promise.all([rejection(running), rejection(queued)])
    expect(a.code).toBe('ERR_ABORTED')
    expect(b.code).toBe('ERR_ABORTED')
    expect((a.cause as Error).message).toBe('user cancelled')
    expect(await pool.run('double', 5)).toBe(10)
    const already = AbortSignal.abort()
    expect((await rejection(pool.run('double', 1, { signal: already }))).code).toBe('ERR_ABORTED')
  })

  it('times out a task that runs too long, and the pool goes on', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    const error = await rejection(pool.run('spin', 20_000, { timeout: 100 }))
    expect(error.code).toBe('ERR_TIMEOUT')
    expect(await pool.run('double', 4)).toBe(8)
  })

  it('a timeout longer than a timer can hold never fires (it used to fire at once)', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    expect(await pool.run('slowDouble', { n: 2, ms: 20 }, { timeout: 2 ** 32 })).toBe(4)
    expect(await pool.run('slowDouble', { n: 3, ms: 20 }, { timeout: Number.POSITIVE_INFINITY })).toBe(6)
  })

  it('starts the timeout clock when the task starts, not while it waits in the queue', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    // The first task holds the only worker for 1.5 s; the second waits that long, then runs ~10 ms.
    const blocker = pool.run('spin', 1500)
    const timed = pool.run('slowDouble', { n: 21, ms: 10 }, { timeout: 1000 })
    expect(await timed).toBe(42)
    expect(await blocker).toBe(1500)
  })
})

describe('progress events', () => {
  it("emits 'progress' with the stats each time a task settles, until unsubscribed", async () => {
    pool = fixturePool()
    const seen: { completed: number; failed: number }[] = []
    const off = pool.on('progress', (stats) => seen.push({ completed: stats.done, failed: stats.failed }))
    await pool.run('double', 1)
    await rejection(pool.run('fail', 'x'))
    off()
    await pool.run('double', 2)
    expect(seen).toEqual([
      { completed: 1, failed: 0 },
      { completed: 1, failed: 1 },
    ])
  })

  it('refuses an event the pool does not emit, and a listener that is not a function', () => {
    pool = fixturePool()
    const code = (action: () => void) => {
      try {
        action()
      } catch (error) {
        return [(error as { code?: string }).code, (error as Error).message]
      }
    }
    expect(code(() => pool?.on('progres' as 'progress', () => {}))).toEqual([
      'ERR_INVALID_OPTION',
      "Expected `event` to be one of 'progress', 'slice', got `\"progres\"` (string)",
    ])
    expect(code(() => pool?.on('slice', null as never))?.[0]).toBe('ERR_INVALID_OPTION')
  })

  it('a listener that throws does not break the task (it becomes a process warning)', async () => {
    pool = fixturePool()
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      pool.on('progress', () => {
        throw new Error('listener bug')
      })
      expect(await pool.run('double', 3)).toBe(6)
      await vi.waitFor(() => expect(warnings.some((w) => w.name === 'BoundkitListenerWarning')).toBe(true))
    } finally {
      process.off('warning', onWarning)
    }
  })
})

describe('queue, close and destroy', () => {
  it('rejects past maxQueue with ERR_QUEUE_FULL', async () => {
    pool = fixturePool('basic.mjs', { threads: 1, maxQueue: 1, prefetch: false })
    const first = pool.run('slowDouble', { n: 1, ms: 200 })
    await new Promise((r) => setTimeout(r, 50))
    const second = pool.run('double', 2)
    const third = pool.run('double', 3)
    expect((await rejection(third)).code).toBe('ERR_QUEUE_FULL')
    expect(await first).toBe(2)
    expect(await second).toBe(4)
  })

  it('with prefetch, a task sent ahead to a busy worker has left the queue: maxQueue counts the others', async () => {
    pool = fixturePool('basic.mjs', { threads: 1, maxQueue: 1 })
    await pool.run('double', 1)
    const running = pool.run('slowDouble', { n: 1, ms: 200 })
    const ahead = pool.run('double', 2)
    const queued = pool.run('double', 3)
    const refused = pool.run('double', 4)
    expect((await rejection(refused)).code).toBe('ERR_QUEUE_FULL')
    expect(await Promise.all([running, ahead, queued])).toEqual([2, 4, 6])
  })

  it('close() lets queued and running tasks finish, then refuses new ones with ERR_CLOSED', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    const tasks = [pool.run('slowDouble', { n: 1, ms: 100 }), pool.run('double', 2), pool.run('double', 3)]
    await pool.close()
    expect(await Promise.all(tasks)).toEqual([2, 4, 6])
    expect((await rejection(pool.run('double', 1))).code).toBe('ERR_CLOSED')
    expect(pool.stats().threads).toBe(0)
    await pool.close()
  })

  it('destroy() stops at once: running and queued tasks reject with ERR_CLOSED', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    const running = rejection(pool.run('slowDouble', { n: 1, ms: 60_000 }))
    const queued = rejection(pool.run('double', 2))
    await new Promise((r) => setTimeout(r, 50))
    await pool.destroy()
    expect((await running).code).toBe('ERR_CLOSED')
    expect((await queued).code).toBe('ERR_CLOSED')
  })

  it('closes through Symbol.asyncDispose', async () => {
    pool = fixturePool()
    const pending = pool.run('slowDouble', { n: 2, ms: 20 })
    await pool[Symbol.asyncDispose]()
    await pool.close()
    expect(await pending).toBe(4)
    expect((await rejection(pool.run('double', 1))).code).toBe('ERR_CLOSED')
  })
})

describe('workers', () => {
  it('broadcast runs a task once on every worker', async () => {
    pool = fixturePool('basic.mjs', { threads: 2 })
    const ids = await pool.broadcast('whoami', null)
    expect(ids).toHaveLength(2)
    expect(new Set(ids).size).toBe(2)
    const counts = await pool.broadcast('counter', null)
    expect(counts).toEqual([1, 1])
  })

  it('recycles a worker after maxTasksPerWorker tasks', async () => {
    pool = fixturePool('basic.mjs', { threads: 1, maxTasksPerWorker: 3 })
    const ids = []
    for (let i = 0; i < 7; i++) ids.push(await pool.run('whoami', null))
    expect(new Set(ids.slice(0, 3)).size).toBe(1)
    expect(new Set(ids.slice(3, 6)).size).toBe(1)
    expect(ids[3]).not.toBe(ids[0])
    expect(ids[6]).not.toBe(ids[3])
    // The third worker has run one task; a fresh worker runs init again, so its counter starts over.
    const counts = []
    for (let i = 0; i < 4; i++) counts.push(await pool.run('counter', null))
    expect(counts).toEqual([1, 2, 1, 2])
  })

  it('lets idle workers go after idleTimeout, keeping one', async () => {
    pool = fixturePool('basic.mjs', { threads: 2, idleTimeout: 50 })
    const done = Promise.all([1, 2, 3, 4].map((n) => pool.run('slowDouble', { n, ms: 200 })))
    // Checked while the tasks run: once they end, a worker may already have idled out on a slow machine.
    await vi.waitFor(() => expect(pool.stats().threads).toBe(2), { timeout: 10_000, interval: 5 })
    await done
    await vi.waitFor(() => expect(pool.stats().threads).toBe(1), { timeout: 10_000, interval: 50 })
    expect(await pool.run('double', 3)).toBe(6)
  })

  it('reports stats with counts and time percentiles', async () => {
    pool = fixturePool()
    await Promise.all([pool.run('double', 1), pool.run('double', 2), rejection(pool.run('fail', 'x'))])
    const stats = pool.stats()
    expect(stats).toMatchObject({ threads: 2, queued: 0, running: 0, done: 2, failed: 1 })
    expect(stats.runTime.p50).toBeGreaterThan(0)
    expect(stats.runTime.p99).toBeGreaterThanOrEqual(stats.runTime.p50)
    expect(stats.waitTime.max).toBeGreaterThanOrEqual(0)
    expect(stats.utilization).toBeGreaterThanOrEqual(0)
  })
})
