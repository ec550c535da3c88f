import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLimiter, type LimiterStats } from '@boundkit/limiter'
import { createPipeline, type PipelineStats } from '@boundkit/pipeline'
import { createPool, type PoolStats } from '@boundkit/pool'
import type { QueueStats, QueueWorkerStats } from '@boundkit/queue'
import { openWriter, type WriterStats } from '@boundkit/writer'
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest'

// One vocabulary across the packages: a finished item is `done`, a failed one `failed`, work accepted
// and not started `queued`, work under way `running`; `on()` refuses an event a resource does not emit.
const RETIRED = ['completed', 'outstanding', 'recordsWritten', 'pending']

let dir: string
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined))

async function resources() {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-one-shape-'))
  const limiter = createLimiter()
  const pool = createPool({ worker: new URL('../dist/workers/fib.js', import.meta.url), threads: 1 })
  const pipeline = createPipeline({
    fetch: { run: async (n: number) => n },
    process: { run: (n: number) => n },
  })
  const writer = await openWriter(join(dir, 'out.jsonl'))
  return { limiter, pool, pipeline, writer }
}

describe('one vocabulary', () => {
  it("every stats() counts finished items as `done` and failed ones as `failed`, and uses no retired word; on('unknown') throws", async () => {
    const all = await resources()
    try {
      for (const [name, resource] of Object.entries(all)) {
        const stats = resource.stats() as unknown as Record<string, unknown>
        expect(stats, name).toHaveProperty('done', 0)
        if (name !== 'writer') expect(stats, name).toHaveProperty('failed', 0)
        for (const word of RETIRED) expect(Object.keys(stats), name).not.toContain(word)
        const on = resource.on.bind(resource) as (event: string, listener: () => void) => () => void
        expect(() => on('unknown', () => {}), name).toThrow(
          expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
        )
        on('progress', () => {})()
      }
    } finally {
      await Promise.all(Object.values(all).map((resource) => resource.close()))
    }
  })

  it('the types say the same, the queue and its worker included', () => {
    expectTypeOf<LimiterStats>().toHaveProperty('done')
    expectTypeOf<PoolStats>().toHaveProperty('done')
    expectTypeOf<PipelineStats>().toHaveProperty('done')
    expectTypeOf<WriterStats>().toHaveProperty('done')
    expectTypeOf<QueueStats>().toHaveProperty('done')
    expectTypeOf<QueueWorkerStats>().toHaveProperty('done')
    expectTypeOf<QueueStats>().toHaveProperty('queued')
    expectTypeOf<WriterStats>().toHaveProperty('queued')
    expectTypeOf<QueueStats['byWorker'][string]>().toEqualTypeOf<{ done: number; failed: number }>()
    // @ts-expect-error: a retired word
    expectTypeOf<PoolStats>().toHaveProperty('completed')
    // @ts-expect-error: a retired word
    expectTypeOf<QueueStats>().toHaveProperty('outstanding')
    // @ts-expect-error: a retired word
    expectTypeOf<WriterStats>().toHaveProperty('recordsWritten')
  })
})
