// expect: Argument of type '"digestt"' is not assignable to parameter of type '"digest" \| "countPrimes"'
// A misspelt task name: the error names the worker's tasks, not the whole worker type.
import { defineWorker, type Pool } from '@boundkit/pool'

const worker = defineWorker({
  async init(data: { max: number }) {
    return { max: data.max, primes: [2, 3, 5] }
  },
  tasks: {
    digest: (text: string, ctx) => text.length + ctx.max,
    countPrimes: ({ from, to }: { from: number; to: number }, { primes }) =>
      primes.filter((p) => p >= from && p < to).length,
  },
})

export const run = (pool: Pool<typeof worker>) => pool.run('digestt', 'text')
