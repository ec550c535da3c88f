/**
 * `queueStage` with a real private redis-server and real worker processes: the same pipeline
 * definition, once with the in-process pool stage and once with the queue stage, gives the same
 * outcomes in the same order; run again with the same keys, it runs no job twice.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createPipeline, type PipelineOutcome, type PipelineProcessStage } from '@boundkit/pipeline'
import { createPool } from '@boundkit/pool'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQueue, queueStage } from '../src/index'
import { killAll, startProcess } from './processes'
import { startRedis, type TestRedis } from './redis'

const LONG = 180_000
type Payload = { n: number; log: string }
type Score = { n: number; score: number }

let redis: TestRedis
let dir: string
let tasks: URL

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'boundkit-stage-'))
  // The worker file both stages run. It imports the pool by its absolute URL, so it may live in a
  // temporary folder; it logs every item it runs, to count runs across processes.
  const pool = pathToFileURL(
    join(dirname(createRequire(import.meta.url).resolve('@boundkit/pool/package.json')), 'dist/index.js'),
  )
  writeFileSync(
    join(dir, 'score.mjs'),
    `import { appendFileSync } from 'node:fs'
import { defineWorker } from '${pool.href}'
export default defineWorker({
  tasks: {
    score({ n, log }) {
      appendFileSync(log, n + '\\n')
      if (n % 5 === 3) throw new Error('refused ' + n)
      return { n, score: n * n + 1 }
    },
  },
})
`,
  )
  tasks = pathToFileURL(join(dir, 'score.mjs'))
})

afterAll(async () => {
  await killAll()
  await redis.remove()
  rmSync(dir, { recursive: true, force: true })
})

/** The one pipeline definition: only `process` changes; `log` names the file the task appends to. */
function definition(process: PipelineProcessStage<number, Payload, Score>, log: string) {
  return createPipeline<number, Payload, Score>({
    fetch: {
      run: (n) => {
        if (n === 11) throw new Error('fetch refused 11')
        return { n, log }
      },
      retry: false,
      concurrency: 4,
    },
    process,
    ordered: true,
  })
}

/** What must be the same whichever stage ran the item. */
function shape(outcome: PipelineOutcome<number, Score>) {
  const { index, item, status, stage } = outcome
  if (status === 'fulfilled') return { index, item, status, stage, value: outcome.value }
  const cause = outcome.error.cause as Error
  return {
    index,
    item,
    status,
    stage,
    code: outcome.error.code,
    reason: /refused \d+/.exec(cause.message)?.[0],
  }
}

async function run(process: PipelineProcessStage<number, Payload, Score>, log: string, items: number[]) {
  const pipeline = definition(process, log)
  try {
    const all = []
    for await (const outcome of pipeline.run(items)) all.push(shape(outcome))
    return all
  } finally {
    await pipeline.close()
  }
}

/** The items the task ran, by how often, from a log file. */
function runs(log: string): Map<number, number> {
  const counts = new Map<number, number>()
  if (!existsSync(log)) return counts
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1)
  }
  return counts
}

describe('queueStage', () => {
  it('runs the same pipeline definition on worker processes with the outcomes of the in-process pool, in order', {
    timeout: LONG,
  }, async () => {
    const items = Array.from({ length: 24 }, (_, i) => i)
    const pool = createPool({ worker: tasks, threads: 2 })
    const local = await run({ pool, task: 'score' }, join(dir, 'local.log'), items)
    await pool.close()

    const name = 'stage-1'
    const workers = [0, 1].map(() =>
      startProcess('worker-process.mjs', [redis.url, name, '30000'], { WORKER_FILES: tasks.href }),
    )
    await Promise.all(workers.map((worker) => worker.waitFor((line) => line === 'ready')))
    const queue = createQueue({ connection: redis.url, name })
    const stage = () =>
      queueStage<number, Payload, Score>(queue, {
        file: tasks,
        task: 'score',
        key: (n) => `item-${n}`,
        attempts: 1,
      })
    const distributed = await run(stage(), join(dir, 'queue.log'), items)

    expect(distributed).toEqual(local)
    expect(local.map((o) => o.index)).toEqual(items)
    expect(local.filter((o) => o.status === 'rejected').map((o) => [o.item, o.stage, o.reason])).toEqual([
      [3, 'process', 'refused 3'],
      [8, 'process', 'refused 8'],
      [11, 'fetch', 'refused 11'],
      [13, 'process', 'refused 13'],
      [18, 'process', 'refused 18'],
      [23, 'process', 'refused 23'],
    ])
    // Every item that reached the process stage ran once, on a worker process.
    const processed = items.filter((n) => n !== 11)
    expect([...runs(join(dir, 'queue.log')).entries()].sort((a, b) => a[0] - b[0])).toEqual(
      processed.map((n) => [n, 1]),
    )
    expect(queue.stats()).toMatchObject({ added: processed.length, done: 18, failed: 5, queued: 0 })

    // A restarted run (a new pipeline and a new stage, the same keys): outcomes read back, no job run again.
    const again = await run(stage(), join(dir, 'again.log'), items)
    expect(again).toEqual(local)
    expect(runs(join(dir, 'again.log')).size).toBe(0)
    await queue.close()
  })

  it.each([
    [{ task: 'score' }, /`file` to be a path or file URL/],
    [{ file: 'score.mjs', task: '' }, /`task` to be the name of a task/],
    [{ file: 'score.mjs', task: 'score', key: 'n' }, /`key` to be a function/],
    [{ file: 'score.mjs', task: 'score', concurrency: 0 }, /`concurrency` to be an integer >= 1/],
    [{ file: 'score.mjs', task: 'score', attempts: 0 }, /`attempts` to be an integer >= 1/],
  ])('rejects the options %j with ERR_INVALID_OPTION', (options, message) => {
    const queue = createQueue({ connection: redis.url, name: 'stage-options' })
    const make = () => queueStage(queue, options as never)
    expect(make).toThrow(message)
    expect(make).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
  })

  it('is refused by the pipeline with `spill` (a local path means nothing on a worker)', () => {
    const queue = createQueue({ connection: redis.url, name: 'stage-spill' })
    const process = queueStage(queue, { file: tasks, task: 'score' })
    expect(() => createPipeline({ fetch: { run: (n: number) => n }, process, spill: { dir } })).toThrow(
      /`spill` to be left out with a remote process stage/,
    )
  })
})
