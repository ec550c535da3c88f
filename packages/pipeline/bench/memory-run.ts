// One memory-benchmark run in a fresh process: N payloads of 1 MB fetched over HTTP from the parent's
// server and checksummed in a pool. Prints the process's peak RSS (getrusage maxRSS) as JSON.
import { createPool } from '@boundkit/pool'
import { createPipeline } from '../src/index'

const [base, count] = process.argv.slice(2)
const n = Number(count)
const pool = createPool({ worker: new URL('./fixtures-worker.mjs', import.meta.url), threads: 2 })
const pipeline = createPipeline<number, ArrayBuffer, number>({
  fetch: {
    run: async (i, { signal }) => {
      const response = await fetch(`${base}/blob/${i}`, { signal })
      return response.arrayBuffer()
    },
    concurrency: 8,
  },
  process: { pool, task: 'checksum' },
  buffer: 8,
})
function* indexes() {
  for (let i = 0; i < n; i++) yield i
}
let ok = 0
for await (const outcome of pipeline.run(indexes())) if (outcome.status === 'fulfilled') ok++
await pool.destroy()
console.log(
  JSON.stringify({
    ok,
    maxBuffered: pipeline.stats().maxBuffered,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
)
