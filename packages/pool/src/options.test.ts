import { afterEach, describe, expect, it } from 'vitest'
import { codeOf, fixture, fixturePool } from '../test/helpers'
import { createPool, MAX_THREADS, type Pool, RESOURCE_LIMIT_MAX, shared } from './index'

let pool: Pool | undefined
afterEach(async () => {
  await pool?.destroy()
  pool = undefined
})

const worker = fixture('basic.mjs')

describe('createPool options', () => {
  it('checks numeric options with a message naming the option', () => {
    expect(() => createPool({ worker, threads: 0 })).toThrow(
      'Expected `threads` to be an integer >= 1 and <= 1024, got `0` (number)',
    )
    expect(() => createPool({ worker, maxTasksPerWorker: 1.5 })).toThrow(
      /Expected `maxTasksPerWorker` to be an integer >= 1/,
    )
    expect(() => createPool({ worker, idleTimeout: 0 })).toThrow(
      'Expected `idleTimeout` to be a number >= 1 (or Infinity), got `0` (number)',
    )
    expect(() => createPool({ worker, resourceLimits: { heap: 1 } as never })).toThrow(/resourceLimits/)
    expect(() => createPool(null as never)).toThrow(/Expected `options` to be an object/)
  })

  // Issue 18 #15: `threads: 1e9` was accepted and the process died of OOM starting workers.
  it('caps threads at MAX_THREADS with ERR_INVALID_OPTION', () => {
    expect(MAX_THREADS).toBe(1024)
    // idleTimeout: the pool would start one worker, not 1e9, if the option were accepted.
    expect(codeOf(() => createPool({ worker, threads: 1e9, idleTimeout: 1000 }))).toBe('ERR_INVALID_OPTION')
    expect(codeOf(() => createPool({ worker, threads: 1025, idleTimeout: 1000 }))).toBe('ERR_INVALID_OPTION')
  })

  // Issue 18 #15: `resourceLimits.stackSizeMb: 1e9` gave a raw ERR_WORKER_INIT_FAILED (and a huge
  // codeRangeSizeMb aborts the whole process): each limit is checked against a documented maximum.
  it('checks each resourceLimits value against its maximum at construction', () => {
    expect(() => createPool({ worker, resourceLimits: { stackSizeMb: 1e9 } })).toThrow(
      'Expected `resourceLimits.stackSizeMb` to be a number >= 0 and <= 1024, got `1000000000` (number)',
    )
    for (const [key, max] of Object.entries(RESOURCE_LIMIT_MAX)) {
      const limits = { [key]: max * 2 }
      expect(codeOf(() => createPool({ worker, resourceLimits: limits }))).toBe('ERR_INVALID_OPTION')
    }
  })
})

describe('per-call options', () => {
  it('checks run options at every call', () => {
    pool = fixturePool()
    const p = pool
    expect(() => p.run('double', 1, { timeout: 0 })).toThrow(
      'Expected `timeout` to be a number >= 1 (or Infinity), got `0` (number)',
    )
    expect(() => p.run('double', 1, { signal: 'stop' as never })).toThrow(/`signal` to be an AbortSignal/)
    expect(() => p.run('double', 1, { transfer: 'all' as never })).toThrow(
      /`transfer` to be 'auto' or an array of transferables/,
    )
    expect(() => p.run('double', 1, 5 as never)).toThrow(/Expected `options` to be an object/)
    expect(() => p.run(3 as never, 1)).toThrow(/Expected `task` to be a task name/)
  })

  it('checks map, mapAll and settle options', async () => {
    pool = fixturePool()
    await expect(pool.map([1], 'double', { chunkSize: 0 }).next()).rejects.toThrow(
      'Expected `chunkSize` to be an integer >= 1, got `0` (number)',
    )
    await expect(pool.mapAll([1], 'double', { window: 1.5 })).rejects.toThrow(/`window` to be an integer/)
    await expect(pool.settle([1], 'double', { transfer: [] as never })).rejects.toThrow(
      /`transfer` to be 'auto'/,
    )
    await expect(pool.map([1], 'double', { ordered: 'yes' as never }).next()).rejects.toThrow(
      /`ordered` to be a boolean/,
    )
    await expect(pool.mapAll(42 as never, 'double')).rejects.toThrow(/`inputs` to be an iterable/)
  })

  it('checks mapShared options', async () => {
    pool = fixturePool()
    const array = shared(Float64Array, 8)
    await expect(pool.mapShared(array, 'sum', { chunks: 0 })).rejects.toThrow(/`chunks` to be an integer/)
    await expect(pool.mapShared(array, 'sum', { reduce: 'avg' as never })).rejects.toThrow(/`reduce`/)
    await expect(pool.mapShared(new Float64Array(4), 'sum')).rejects.toThrow(/SharedArrayBuffer/)
  })
})
