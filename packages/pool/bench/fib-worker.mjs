import { defineWorker } from '@boundkit/pool'

export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

export default defineWorker({ tasks: { fib } })
