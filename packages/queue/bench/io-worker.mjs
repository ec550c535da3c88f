// A worker process of the throughput benchmark: node io-worker.mjs <redis-url> <queue> <concurrency>.
import { startWorker } from '../dist/index.js'

const [url, name, concurrency] = process.argv.slice(2)
const worker = await startWorker({
  connection: url,
  name,
  concurrency: Number(concurrency),
  limiter: { concurrency: Number(concurrency) },
})
worker.on('error', () => {})
console.log('ready')
