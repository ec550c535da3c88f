import { createPool, type Pool } from '@boundkit/pool'
import { poolJob, type Queue } from '@boundkit/queue'
import { benchmark } from '../../../bench/harness.ts'
import { BenchCluster } from './processes.ts'

const TASKS = new URL('./tasks.mjs', import.meta.url)
const IN_PROCESS = '@boundkit/pool mapAll in this process (2 threads)'
/** Items per job in the batched case. */
const BATCH = 100
const cluster = new BenchCluster()
let pool: Pool | undefined
let queue: Queue | undefined
let items = 2000

const numbers = () => Array.from({ length: items }, (_, i) => i)

export default benchmark({
  title: `Per-job cost of the queue: tiny tasks, one item per job or ${BATCH} per job`,
  description: `${'`addOne`'} (a tiny task) over every item: on the in-process pool (the baseline), as one \`pool\` job per item, and as one job per ${BATCH} items (\`addOneEach\`), each on one worker process (concurrency 16, 2 threads, window 500). Batching items into jobs is how to keep the queue's share small.`,
  baseline: IN_PROCESS,
  runs: 3,
  quickRuns: 1,
  async setup(ctx) {
    items = ctx.scale(2000, 200)
    await cluster.start()
    pool = createPool({ worker: TASKS, threads: 2 })
    await pool.broadcast('addOne', 1)
    queue = await cluster.workers('tiny', 1, 16, 2)
  },
  async teardown() {
    await pool?.close()
    await cluster.stop()
  },
  cases: {
    [IN_PROCESS]: async () => {
      await pool!.mapAll(numbers(), 'addOne')
      return { items }
    },
    'one job per item': async () => {
      await cluster.distribute(queue!, numbers(), (i) => poolJob(TASKS, 'addOne', i), 500)
      return { items }
    },
    [`one job per ${BATCH} items`]: async () => {
      const all = numbers()
      const batches = Array.from({ length: Math.ceil(items / BATCH) }, (_, b) =>
        all.slice(b * BATCH, (b + 1) * BATCH),
      )
      await cluster.distribute(queue!, batches, (batch) => poolJob(TASKS, 'addOneEach', batch), 500)
      return { items }
    },
  },
})
