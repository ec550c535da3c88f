// Consumer smoke test (ESM): the installed package starts its worker entry and runs a user's .mjs worker.
import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { createPool, shared } from '@boundkit/pool'

const worker = new URL('./smoke-pool-worker-esm.mjs', import.meta.url)
writeFileSync(
  worker,
  `import { defineWorker } from '@boundkit/pool'
export default defineWorker({
  init: (offset) => ({ offset }),
  tasks: {
    add: ({ a, b }, ctx) => a + b + ctx.offset,
    sum: ({ array, start, end }) => {
      let total = 0
      for (let i = start; i < end; i++) total += array[i]
      return total
    },
  },
})
`,
)
try {
  const pool = createPool({ worker, threads: 2, initData: 100 })
  assert.equal(await pool.run('add', { a: 1, b: 2 }), 103)
  assert.deepEqual(
    await pool.mapAll(
      [
        { a: 1, b: 1 },
        { a: 2, b: 2 },
      ],
      'add',
    ),
    [102, 104],
  )
  const array = shared(Float64Array, 1000).fill(2)
  assert.equal(await pool.mapShared(array, 'sum', { chunks: 4, reduce: 'sum' }), 2000)
  const error = await pool.run('missing', null).catch((e) => e)
  assert.equal(error.code, 'ERR_UNKNOWN_TASK')
  await pool.close()
  console.log('pool ESM smoke: ok')
} finally {
  rmSync(worker, { force: true })
}
