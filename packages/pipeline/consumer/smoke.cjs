// Consumer smoke test (CJS): the installed package (and its limiter and pool) runs both stages in this thread.
const assert = require('node:assert/strict')
const { createPipeline, PipelineError } = require('@boundkit/pipeline')

async function main() {
  assert.throws(() => createPipeline({ fetch: { run: (n) => n }, process: { run: 1 } }), {
    code: 'ERR_INVALID_OPTION',
  })
  const pipeline = createPipeline({
    fetch: { run: (n) => n },
    process: {
      run: (n) => {
        if (n === 2) throw null
        return n * 2
      },
    },
  })
  try {
    const outcomes = []
    for await (const outcome of pipeline.run(new Set([1, 2, 3]))) outcomes.push(outcome)
    outcomes.sort((a, b) => a.index - b.index)
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    assert.equal(outcomes[1].error.code, 'ERR_PROCESS_FAILED')
    assert.equal(outcomes[1].error.cause, null)
    assert.ok(outcomes[1].error instanceof PipelineError)
    assert.equal(pipeline.stats().done, 3)
  } finally {
    await pipeline.close()
  }
  console.log('pipeline CJS smoke: ok')
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
