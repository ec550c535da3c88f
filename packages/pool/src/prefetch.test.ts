import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { fixturePool } from '../test/helpers'
import type { Pool, PoolOptions, PoolRunOptions } from './index'

let pool: Pool
afterEach(async () => {
  await pool?.destroy()
})

/** A one-thread pool whose worker is up, so that the next task goes to it at once. */
async function oneWorker(options: Omit<PoolOptions, 'worker'> = {}) {
  pool = fixturePool('basic.mjs', { threads: 1, ...options })
  await pool.run('double', 1)
  return pool
}

/**
 * Runs a task that holds the worker until this thread releases it, and a second task behind it; then
 * releases the first and blocks this thread (no event loop, so the pool sends nothing) until the
 * second has started, or `wait` ms. The second can start only if it was sent to the worker ahead.
 */
async function startsWhileBlocked(second: PoolRunOptions, first: PoolRunOptions = {}, wait = 60_000) {
  const sync = new Int32Array(new SharedArrayBuffer(8))
  const holding = pool.run('waitFor', { sync, index: 0 }, first)
  const next = pool.run('set', { sync, index: 1 }, second)
  Atomics.store(sync, 0, 1)
  Atomics.notify(sync, 0)
  const result = Atomics.wait(sync, 1, 0, wait)
  if (result === 'timed-out') {
    // The second task could not start without this thread: let it run now, and say so.
    await Promise.all([holding, next])
    return false
  }
  await Promise.all([holding, next])
  return true
}

describe('prefetch', () => {
  it('a busy worker starts the task sent ahead to it without waiting for the main thread', async () => {
    await oneWorker()
    expect(await startsWhileBlocked({})).toBe(true)
  })

  it('with prefetch: false, the next task waits for the main thread to send it', async () => {
    await oneWorker({ prefetch: false })
    // It cannot start while this thread is blocked, however long the wait: a short one proves it.
    expect(await startsWhileBlocked({}, {}, 300)).toBe(false)
  })

  it('never sends ahead a task with a signal or a timeout, nor a task behind one', async () => {
    await oneWorker()
    const { signal } = new AbortController()
    expect(await startsWhileBlocked({ signal }, {}, 300)).toBe(false)
    expect(await startsWhileBlocked({ timeout: 60_000 }, {}, 300)).toBe(false)
    expect(await startsWhileBlocked({}, { signal }, 300)).toBe(false)
    expect(await startsWhileBlocked({}, { timeout: 60_000 }, 300)).toBe(false)
    expect(await startsWhileBlocked({})).toBe(true)
  })

  it('a worker still runs one task at a time: one sent ahead waits for the async task before it', async () => {
    await oneWorker()
    const first = pool.run('tracked', 200)
    const second = pool.run('active', null)
    expect(await second).toBe(0)
    expect(await first).toBe(200)
  })

  it('counts a task sent ahead as queued until its worker starts it', async () => {
    await oneWorker()
    const sync = new Int32Array(new SharedArrayBuffer(8))
    const holding = pool.run('waitFor', { sync, index: 0 })
    const ahead = pool.run('double', 2)
    expect(pool.stats()).toMatchObject({ queued: 1, running: 1 })
    Atomics.store(sync, 0, 1)
    Atomics.notify(sync, 0)
    expect(await Promise.all([holding, ahead])).toEqual([0, 4])
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, done: 3 })
  })

  it('counts the run time of a task sent ahead from when the task before it is back', async () => {
    await oneWorker()
    const sync = new Int32Array(new SharedArrayBuffer(8))
    const { done: before, runTime } = pool.stats()
    const start = performance.now()
    const holding = pool.run('waitFor', { sync, index: 0 })
    const ahead = pool.run('double', 2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    Atomics.store(sync, 0, 1)
    Atomics.notify(sync, 0)
    await Promise.all([holding, ahead])
    const wall = performance.now() - start
    // One worker runs one task at a time: their run times add up to about the time it took. Counted
    // from when it was sent, the task ahead would add the whole 300 ms hold again; the margin is for
    // clocks read in two threads and rounding, far below that.
    const stats = pool.stats()
    const ran = stats.runTime.mean * stats.done - runTime.mean * before
    expect(ran).toBeLessThanOrEqual(wall + 100)
    expect(stats.waitTime.max).toBeGreaterThan(0)
  })
})

describe('prefetch and crashes', () => {
  it('a task sent ahead of one that crashes its worker runs on a new worker', async () => {
    await oneWorker()
    const before = await pool.run('whoami', null)
    const crash = pool.run('exit', 3)
    const ahead = pool.run('whoami', null)
    expect((await rejection(crash)).code).toBe('ERR_WORKER_CRASHED')
    const after = await ahead
    expect(after).not.toBe(before)
    expect(pool.stats()).toMatchObject({ done: 3, failed: 1 })
  })

  it('the task before one that crashes its worker keeps its answer', async () => {
    // The worker exits right after posting the first task's answer, which a crash heard first
    // would lose with the worker: that task runs again rather than failing.
    await oneWorker()
    for (let i = 0; i < 20; i++) {
      const first = pool.run('double', 21)
      const crash = pool.run('exit', 3)
      expect((await rejection(crash)).code).toBe('ERR_WORKER_CRASHED')
      expect(await first).toBe(42)
    }
  })

  it('a worker at maxTasksPerWorker stops once no task is left on it, losing none', async () => {
    // Piscina gives a worker its next task before the pool hears that the last one settled: the
    // worker was stopped on that news, under the task it had just been given.
    for (const prefetch of [true, false]) {
      await oneWorker({ maxTasksPerWorker: 2, prefetch })
      const ids = await Promise.all(Array.from({ length: 7 }, () => pool.run('whoami', null)))
      const perWorker = [...new Set(ids)].map((id) => ids.filter((i) => i === id).length)
      expect(perWorker).toEqual([1, 2, 2, 2])
      expect(pool.stats()).toMatchObject({ crashed: 0, failed: 0 })
      await pool.destroy()
    }
  })
})
