// Consumer smoke test (CJS): the installed package starts its worker entry and runs a user's .cjs worker.
const assert = require('node:assert/strict')
const { rmSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { createPool, toShared } = require('@boundkit/pool')

const worker = join(__dirname, 'smoke-pool-worker-cjs.cjs')
writeFileSync(
  worker,
  `const { defineWorker } = require('@boundkit/pool')
module.exports = defineWorker({
  tasks: {
    double: (n) => n * 2,
    max: ({ array, start, end }) => {
      let best = -Infinity
      for (let i = start; i < end; i++) best = Math.max(best, array[i])
      return best
    },
  },
})
`,
)

async function main() {
  const pool = createPool({ worker, threads: 2 })
  try {
    assert.equal(await pool.run('double', 21), 42)
    const array = toShared(Int32Array.from([3, 9, 4, 1]))
    assert.equal(await pool.mapShared(array, 'max', { chunks: 2, reduce: 'max' }), 9)
    assert.equal(pool.stats().done, 3)
  } finally {
    await pool.close()
  }
  console.log('pool CJS smoke: ok')
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => rmSync(worker, { force: true }))
