import { describe, expect, it } from 'vitest'
import { DemoPhases } from './live-phases'

const quiet = { write: () => true }

describe('DemoPhases', () => {
  it("adds up the phases' counts and 429s, and shows the running phase's stats, then the last one's", () => {
    const phases = new DemoPhases()
    expect(phases.read()).toEqual({ done: 0, failed: 0, rateLimited: 0, phase: '' })
    const limiter = { rateLimited: 3 } as never
    const first = phases.progress('io', '  limiter', 10, quiet, () => ({ limiter }))
    first.update(4, 1)
    first.tick()
    first.tick(true)
    expect(phases.read()).toMatchObject({ done: 4, failed: 2, rateLimited: 3, phase: 'io: limiter', limiter })
    first.stop()
    const pool = { running: 2 } as never
    const second = phases.progress('cpu', '  pool   ', 5, quiet, () => ({ pool }))
    second.tick()
    expect(phases.read()).toMatchObject({ done: 5, failed: 2, rateLimited: 3, phase: 'cpu: pool', pool })
    expect(phases.read()).not.toHaveProperty('limiter')
    second.stop()
    expect(phases.read()).toMatchObject({ done: 5, failed: 2, rateLimited: 3, phase: 'cpu: pool', pool })
  })
})
