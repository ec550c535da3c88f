// A bare worker_threads worker (no pool) for the CPU benchmark's reference case: computes `count`
// fibonacci(n) per message.
import { parentPort } from 'node:worker_threads'
import { fib } from './fib-worker.mjs'

parentPort.on('message', ({ n, count }) => {
  let total = 0
  for (let i = 0; i < count; i++) total += fib(n)
  parentPort.postMessage(total)
})
