// A hand-written worker_threads worker (no pool) for the CPU benchmark's limit: given a results
// array on a SharedArrayBuffer once (4 numbers an input: value, start, end, thread), it fills the
// `[start, end)` slice each message names with timedFib(n).
import { parentPort } from 'node:worker_threads'
import { timedFib } from './fib.mjs'

let results
parentPort.on('message', (message) => {
  if (message.results) {
    results = message.results
    return
  }
  for (let i = message.start; i < message.end; i++) results.set(timedFib(message.n), i * 4)
  parentPort.postMessage(message.end - message.start)
})
