// A worker process of the benchmarks: node worker.mjs <redis-url> <queue> <concurrency> [threads].
import { startWorker } from '../dist/index.js'

const [url, name, concurrency, threads] = process.argv.slice(2)
const worker = await startWorker({
  connection: url,
  name,
  concurrency: Number(concurrency),
  ...(threads && { threads: Number(threads) }),
  limiter: { concurrency: Number(concurrency) },
  workerFiles: [new URL('./tasks.mjs', import.meta.url)],
})
worker.on('error', () => {})
console.log('ready')
