import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { fixturePool } from '../test/helpers'
import type { Pool } from './index'

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
