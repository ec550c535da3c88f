// A hand-written worker_threads worker (no pool) for the CPU benchmark's limit: given a results
// array on a SharedArrayBuffer once, it fills the `[start, end)` slice each message names with fib(n).
import { parentPort } from 'node:worker_threads'
import { fib } from './fib.mjs'

let results
parentPort.on('message', (message) => {
  if (message.results) {
    results = message.results
    return
  }
  for (let i = message.start; i < message.end; i++) results[i] = fib(message.n)
  parentPort.postMessage(message.end - message.start)
})
