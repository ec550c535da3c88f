// Consumer smoke test (ESM): the installed package (and its limiter and pool) runs both stages in this thread.
import assert from 'node:assert/strict'
import { createPipeline, Pipeline } from '@boundkit/pipeline'

const pipeline = createPipeline({
  fetch: {
    run: async (n) => {
      if (n === 3) throw new Error('no 3')
      return n * 10
    },
    retry: false,
  },
  process: { run: (payload) => payload + 1, concurrency: 2 },
  ordered: true,
})
assert.ok(pipeline instanceof Pipeline)
let events = 0
pipeline.on('progress', () => events++)
try {
  const outcomes = []
  for await (const outcome of pipeline.run([1, 2, 3, 4])) outcomes.push(outcome)
  assert.deepEqual(
    outcomes.map((o) => [o.index, o.status, o.stage, o.status === 'fulfilled' ? o.value : o.error.code]),
    [
      [0, 'fulfilled', 'process', 11],
      [1, 'fulfilled', 'process', 21],
      [2, 'rejected', 'fetch', 'ERR_FETCH_FAILED'],
      [3, 'fulfilled', 'process', 41],
    ],
  )
  assert.equal(outcomes[0].item, 1)
  assert.equal(outcomes[0].attempts, 1)
  assert.equal(typeof outcomes[0].timings.processMs, 'number')
  assert.equal(pipeline.stats().fetchFailed, 1)
  assert.equal(events, 14) // once per change: 4 for each item that went through both stages, 2 for the failed fetch
  assert.throws(() => pipeline.run([1], { signal: 'x' }), { code: 'ERR_INVALID_OPTION' })
} finally {
  await pipeline.close()
}
assert.equal(pipeline.close(), pipeline.close())
assert.throws(() => pipeline.run([1]), { code: 'ERR_CLOSED' })
console.log('pipeline ESM smoke: ok')
