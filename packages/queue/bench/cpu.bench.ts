import { createPool, type Pool } from '@boundkit/pool'
import { poolJob, type Queue } from '@boundkit/queue'
import { benchmark } from '../../../bench/harness.ts'
import { BenchCluster } from './processes.ts'

const TASKS = new URL('./tasks.mjs', import.meta.url)
const IN_PROCESS = '@boundkit/pool in this process (2 threads)'
const cluster = new BenchCluster()
let pool: Pool | undefined
let one: Queue | undefined
let two: Queue | undefined
let n = 30
let count = 32

const inputs = () => Array.from({ length: count }, () => n)

export default benchmark({
  title: 'CPU-bound jobs over BullMQ: fibonacci(32) on 1 and 2 worker processes against the in-process pool',
  description:
    'The same `fib` task of a `defineWorker` file run by a 2-thread pool in this process (`mapAll`, the baseline), by one worker process with a 2-thread pool, and by two worker processes with one thread each (`pool` jobs, window 64). On a 2-core machine the queue cannot beat the in-process pool: the ratio is its cost.',
  baseline: IN_PROCESS,
  runs: 5,
  quickRuns: 1,
  async setup(ctx) {
    n = ctx.scale(32, 20)
    count = ctx.scale(32, 8)
    await cluster.start()
    pool = createPool({ worker: TASKS, threads: 2 })
    await pool.broadcast('fib', 20)
    one = await cluster.workers('cpu-1', 1, 2, 2)
    two = await cluster.workers('cpu-2', 2, 1, 1)
  },
  async teardown() {
    await pool?.close()
    await cluster.stop()
  },
  cases: {
    [IN_PROCESS]: async () => {
      await pool!.mapAll(inputs(), 'fib')
      return { items: count }
    },
    '1 worker process (2 threads)': async () => {
      await cluster.distribute(one!, inputs(), (i) => poolJob(TASKS, 'fib', i), 64)
      return { items: count }
    },
    '2 worker processes (1 thread each)': async () => {
      await cluster.distribute(two!, inputs(), (i) => poolJob(TASKS, 'fib', i), 64)
      return { items: count }
    },
  },
})
