/**
 * The remote process stage form (`{ remote: true, run, concurrency, close? }`), driven here by a plain
 * in-memory implementation: what @boundkit/queue's `queueStage` does over Redis, without Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import {
  createPipeline,
  type PipelineOutcome,
  type PipelineProcessStage,
  type PipelineRemoteStage,
} from '../src/index'
import { collect } from './collect'

/** An in-memory "remote" stage: counts what it holds at once, and its close. */
class MemoryStage implements PipelineRemoteStage<number, number, number> {
  readonly remote = true
  readonly concurrency: number
  held = 0
  mostHeld = 0
  closed = 0
  readonly aborted: number[] = []

  constructor(concurrency: number) {
    this.concurrency = concurrency
  }

  async run(data: number, { index, signal }: { index: number; signal: AbortSignal }): Promise<number> {
    this.held++
    this.mostHeld = Math.max(this.mostHeld, this.held)
    try {
      await sleep(data % 3 === 0 ? 20 : 1, undefined, { signal }).catch((error) => {
        this.aborted.push(index)
        throw error
      })
      if (data === 7) throw new Error('seven is refused')
      return data * 10
    } finally {
      this.held--
    }
  }

  async close(): Promise<void> {
    this.closed++
  }
}

/** One pipeline definition; only the process stage changes. */
function definition(process: PipelineProcessStage<number, number, number>) {
  return createPipeline<number, number, number>({
    fetch: { run: (n) => n + 1, concurrency: 4 },
    process,
    ordered: true,
  })
}

const inThread = {
  run: async (data: number) => {
    if (data === 7) throw new Error('seven is refused')
    return data * 10
  },
  concurrency: 3,
}

const shape = (outcome: PipelineOutcome<number, number>) =>
  outcome.status === 'fulfilled'
    ? { index: outcome.index, item: outcome.item, stage: outcome.stage, value: outcome.value }
    : {
        index: outcome.index,
        item: outcome.item,
        stage: outcome.stage,
        code: outcome.error.code,
        cause: (outcome.error.cause as Error).message,
      }

describe('a remote process stage', () => {
  it('gives the same outcomes as the in-thread stage, holds at most `concurrency`, and is closed with the pipeline', async () => {
    const items = Array.from({ length: 24 }, (_, i) => i)
    const local = definition(inThread)
    const expected = (await collect(local.run(items))).map(shape)
    await local.close()

    const stage = new MemoryStage(3)
    const remote = definition(stage)
    const outcomes = (await collect(remote.run(items))).map(shape)
    expect(outcomes).toEqual(expected)
    expect(outcomes[6]).toMatchObject({ code: 'ERR_PROCESS_FAILED', cause: 'seven is refused' })
    expect(stage.mostHeld).toBe(3)
    expect(remote.stats()).toMatchObject({ done: 24, failed: 1, processing: 0 })
    expect(stage.closed).toBe(0)
    await remote.close()
    await remote.close()
    expect(stage.closed).toBe(1)
  })

  it('aborts what the stage holds when the run is cancelled: every item still has one outcome', async () => {
    const stage = new MemoryStage(2)
    const pipeline = definition(stage)
    const controller = new AbortController()
    const outcomes: PipelineOutcome<number, number>[] = []
    // Items 2 and 5 (payloads 3 and 6) are the slow ones; abort once the first item is out.
    const run = (async () => {
      for await (const outcome of pipeline.run([2, 5, 8, 11], { signal: controller.signal })) {
        outcomes.push(outcome)
        controller.abort()
      }
    })()
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(outcomes.length).toBeGreaterThan(0)
    expect(stage.aborted.length).toBeGreaterThan(0)
    expect(stage.held).toBe(0)
    await pipeline.close()
    expect(stage.closed).toBe(1)
  })

  const one = (): number => 1
  it.each<[object, RegExp]>([
    [{ remote: true, run: 'x', concurrency: 1 }, /`process\.run` to be a function/],
    [{ remote: true, run: one }, /`process\.concurrency` to be an integer >= 1 \(a remote stage/],
    [{ remote: true, run: one, concurrency: 0 }, /`process\.concurrency` to be an integer >= 1, got `0`/],
    [{ remote: true, run: one, concurrency: 1, close: 5 }, /`process\.close` to be a function/],
  ])('rejects the stage %j with ERR_INVALID_OPTION', (process, message) => {
    const make = () => createPipeline({ fetch: { run: (n: number) => n }, process: process as never })
    expect(make).toThrow(message)
    expect(make).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
  })

  it('refuses `spill` with a remote stage: a local path means nothing where it runs', () => {
    expect(() =>
      createPipeline({
        fetch: { run: (n: number) => n },
        process: new MemoryStage(1),
        spill: { dir: '/tmp' },
      }),
    ).toThrow(/`spill` to be left out with a remote process stage/)
  })
})
