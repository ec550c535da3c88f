import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { fixturePool } from '../test/helpers'
import type { Pool, PoolError } from './index'

let pool: Pool
afterEach(async () => {
  await pool?.destroy()
})

describe('worker crashes', () => {
  it('process.exit in a task: ERR_WORKER_CRASHED with the exit code as cause; other tasks finish', async () => {
    pool = fixturePool('basic.mjs', { threads: 2 })
    const others = Array.from({ length: 6 }, (_, i) => pool.run('slowDouble', { n: i, ms: 30 }))
    const error = await rejection(pool.run('exit', 3))
    expect(error.code).toBe('ERR_WORKER_CRASHED')
    expect(error.cause).toBe(3)
    expect(await Promise.all(others)).toEqual([0, 2, 4, 6, 8, 10])
    expect(await pool.run('double', 4)).toBe(8)
    expect(pool.stats().threads).toBe(2)
  })

  it('an uncaught throw in the worker: ERR_WORKER_CRASHED with the error as cause; the worker is replaced', async () => {
    pool = fixturePool('basic.mjs', { threads: 1 })
    const before = await pool.run('whoami', null)
    const error = await rejection(pool.run('throwOutside', null))
    expect(error.code).toBe('ERR_WORKER_CRASHED')
    expect((error.cause as Error).message).toBe('uncaught in worker')
    const after = await pool.run('whoami', null)
    expect(after).not.toBe(before)
    expect(pool.stats().crashed).toBeGreaterThanOrEqual(1)
  })

  it('out of memory under resourceLimits: ERR_WORKER_CRASHED; the pool goes on', async () => {
    pool = fixturePool('basic.mjs', {
      threads: 2,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    })
    const other = pool.run('slowDouble', { n: 5, ms: 50 })
    const error = await rejection(pool.run('hog', null))
    expect(error.code).toBe('ERR_WORKER_CRASHED')
    expect(String((error.cause as Error)?.message ?? error.cause)).toMatch(/memory/i)
    expect(await other).toBe(10)
    expect(await pool.run('double', 1)).toBe(2)
  }, 60_000)
})

describe('workers that exit before they are ready', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  /** A pool whose workers exit in init while the returned flag file exists. */
  function exitingPool(threads: number) {
    dir = mkdtempSync(join(tmpdir(), 'pool-init-exits-'))
    const flag = join(dir, 'exit')
    writeFileSync(flag, '')
    pool = fixturePool('init-exits.mjs', { threads, initData: { exitWhile: flag } })
    return flag
  }

  it('settle gives every input ERR_WORKER_CRASHED, none left waiting, and close() resolves', async () => {
    exitingPool(2)
    const outcomes = await pool.settle([1, 2, 3, 4, 5], 'double')
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.error as PoolError).code : o.status))).toEqual(
      Array(5).fill('ERR_WORKER_CRASHED'),
    )
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, failed: 5 })
    await pool.close()
  })

  it('mapAll rejects with ERR_WORKER_CRASHED, and close() then resolves', async () => {
    exitingPool(2)
    const error = await rejection(pool.mapAll([1, 2, 3, 4, 5], 'double'))
    expect(error.code).toBe('ERR_WORKER_CRASHED')
    await pool.close()
  })

  it('a task given once workers can start again runs on a fresh worker', async () => {
    const flag = exitingPool(1)
    const first = await Promise.allSettled([1, 2, 3].map((n) => pool.run('double', n)))
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    rmSync(flag)
    expect(await pool.run('double', 21)).toBe(42)
    expect(pool.stats()).toMatchObject({ done: 1, failed: 3 })
    await pool.close()
  })
})
