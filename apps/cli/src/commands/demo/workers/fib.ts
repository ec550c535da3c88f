import { defineWorker } from '@boundkit/pool'
import { fib } from '@boundkit/server'

/** The CPU scenario's worker: `fib(n)` off the main thread. */
export default defineWorker({
  tasks: {
    fib: (n: number) => fib(n),
  },
})
