// The pool tasks of the CPU and overhead benchmarks.
import { defineWorker } from '@boundkit/pool'

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

export default defineWorker({
  tasks: {
    fib,
    addOne: (n) => n + 1,
    // Many items in one job: how to keep a tiny task's per-job cost small.
    addOneEach: (ns) => ns.map((n) => n + 1),
  },
})
