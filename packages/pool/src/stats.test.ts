import { afterEach, describe, expect, it, vi } from 'vitest'
import { fixturePool } from '../test/helpers'
import type { Pool } from './index'
import { BusyTime } from './stats'

let pool: Pool
afterEach(async () => {
  await pool?.destroy()
})

/** Runs `group` tasks that busy-loop together (see the fixture's `spinTogether`). */
function spinTogether(group: number, ms: number) {
  const sync = new Int32Array(new SharedArrayBuffer(12))
  const base = Date.now()
  return Promise.all(Array.from({ length: group }, () => pool.run('spinTogether', { sync, group, ms, base })))
}

describe('stats().utilization', () => {
  // Issue 19: piscina's utilization read 0.00099 after both threads ran flat out (it divides a mean
  // in ms by 1000). No bound below depends on how fast the machine is: the tasks wait for each other
  // busily, so the pool is busy on both threads for at least half of the time, by construction.
  it('reads high when every thread ran flat out, and 0 on a pool that ran nothing', async () => {
    pool = fixturePool('basic.mjs', { threads: 2 })
    await vi.waitFor(() => expect(pool.stats().threads).toBe(2), { timeout: 20_000 })
    const idle = pool.stats().utilization
    expect(idle).toBe(0)
    await spinTogether(2, 300)
    const busy = pool.stats().utilization
    // At least 0.5 however slow the machine (each task is busy until the other has started, and the
    // last one until the end); about 0.9 in practice, as the tasks overlap for 4/5 of the time.
    expect(busy).toBeGreaterThan(0.6)
    expect(busy).toBeLessThanOrEqual(1)
  })

  it('counts one thread of two running flat out as at most half the capacity', async () => {
    pool = fixturePool('basic.mjs', { threads: 2 })
    await pool.run('spin', 200)
    const half = pool.stats().utilization
    expect(half).toBeGreaterThan(0.25)
    expect(half).toBeLessThanOrEqual(0.5)
  })

  it('falls as the pool sits idle after its work', async () => {
    pool = fixturePool('basic.mjs', { threads: 2 })
    await spinTogether(2, 100)
    const busy = pool.stats().utilization
    expect(busy).toBeGreaterThan(0.5)
    // Idle time counts against the capacity: the figure falls, however long that takes.
    await vi.waitFor(() => expect(pool.stats().utilization).toBeLessThan(busy / 4), {
      timeout: 20_000,
      interval: 50,
    })
  })
})

describe('BusyTime', () => {
  it('divides busy time by threads times the wall time since the first task, running tasks included', () => {
    let now = 1000
    const busy = new BusyTime(() => now)
    expect(busy.utilization(2)).toBe(0)
    const a = {}
    const b = {}
    busy.started(a)
    now = 1100
    busy.started(b)
    now = 1200
    // a: 200 ms, b: 100 ms, both still running, over 2 threads x 200 ms.
    expect(busy.utilization(2)).toBeCloseTo(300 / 400)
    busy.settled(a)
    busy.settled(b)
    busy.settled({}) // never started: ignored
    now = 1400
    expect(busy.utilization(2)).toBeCloseTo(300 / 800)
    expect(busy.utilization(1)).toBeCloseTo(300 / 400)
  })

  it('stays within 0..1', () => {
    let now = 0
    const busy = new BusyTime(() => now)
    busy.started({})
    expect(busy.utilization(1)).toBe(0)
    busy.started({})
    now = 10
    expect(busy.utilization(1)).toBe(1)
  })
})
