// The recursive fibonacci every case of the CPU benchmark runs (serial, pool, hand-written workers).
import { threadId } from 'node:worker_threads'

export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

const now = () => performance.timeOrigin + performance.now()

/** fib(n) with when it ran and on which thread: `[value, start, end, threadId]`, times in epoch ms. */
export function timedFib(n) {
  const start = now()
  const value = fib(n)
  return [value, start, now(), threadId]
}
