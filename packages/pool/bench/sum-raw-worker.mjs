// A hand-written worker_threads worker (no pool) for the sum benchmark's limit: it is given the
// shared array once, then sums the `[start, end)` slice each message names.
import { parentPort } from 'node:worker_threads'
import { sumRange } from './sum-range.mjs'

let array
parentPort.on('message', (message) => {
  if (message.array) array = message.array
  else parentPort.postMessage(sumRange(array, message.start, message.end))
})
