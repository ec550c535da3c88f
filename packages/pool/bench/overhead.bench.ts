import { createPool, type Pool } from '@boundkit/pool'
import { Piscina } from 'piscina'
import { Tinypool } from 'tinypool'
import workerpool from 'workerpool'
import { benchmark } from '../../../bench/harness.ts'

const THREADS = 2
const plain = new URL('./noop-plain.mjs', import.meta.url)
let tasks = 20_000
let boundkit: Pool
let piscina: Piscina
let tinypool: Tinypool
let wpool: ReturnType<typeof workerpool.pool>

function check(results: number[]): void {
  if (results.length !== tasks || results[tasks - 1] !== tasks) throw new Error('wrong results')
}

const inputs = () => Array.from({ length: tasks }, (_, i) => i)

export default benchmark({
  title: 'Per-task overhead: trivial tasks (n => n + 1), all submitted at once',
  description:
    'Raw piscina (baseline) against boundkit on it, with tinypool and workerpool beside; 2 threads each, pools started and warm before timing. Target: `pool.run` within 1.15x of raw piscina. The chunked row shows what batching buys.',
  baseline: 'piscina run (raw)',
  runs: 7,
  quickRuns: 1,
  async setup(ctx) {
    tasks = ctx.scale(20_000, 2_000)
    boundkit = createPool({ worker: new URL('./noop-boundkit.mjs', import.meta.url), threads: THREADS })
    piscina = new Piscina({ filename: plain.href, minThreads: THREADS, maxThreads: THREADS })
    tinypool = new Tinypool({ filename: plain.href, minThreads: THREADS, maxThreads: THREADS })
    wpool = workerpool.pool(new URL('./noop-workerpool.cjs', import.meta.url).pathname, {
      minWorkers: THREADS,
      maxWorkers: THREADS,
      workerType: 'thread',
    })
    const warm = Array.from({ length: 200 }, (_, i) => i)
    await Promise.all(warm.map((i) => boundkit.run('inc', i)))
    await Promise.all(warm.map((i) => piscina.run(i)))
    await Promise.all(warm.map((i) => tinypool.run(i)))
    await Promise.all(warm.map((i) => wpool.exec('inc', [i])))
  },
  async teardown() {
    await Promise.all([boundkit.close(), piscina.destroy(), tinypool.destroy(), wpool.terminate()])
  },
  cases: {
    'piscina run (raw)': async () => {
      check(await Promise.all(inputs().map((i) => piscina.run(i) as Promise<number>)))
      return { items: tasks }
    },
    '@boundkit/pool run': async () => {
      check(await Promise.all(inputs().map((i) => boundkit.run('inc', i) as Promise<number>)))
      return { items: tasks }
    },
    '@boundkit/pool mapAll chunkSize 64': async () => {
      check((await boundkit.mapAll(inputs(), 'inc', { chunkSize: 64 })) as number[])
      return { items: tasks }
    },
    'tinypool run': async () => {
      check(await Promise.all(inputs().map((i) => tinypool.run(i) as Promise<number>)))
      return { items: tasks }
    },
    'workerpool exec': async () => {
      check(await Promise.all(inputs().map((i) => wpool.exec('inc', [i]) as Promise<number>)))
      return { items: tasks }
    },
  },
})
