// Type tests of the packed declarations, compiled by the consumer check (never run): each
// `@ts-expect-error` line must be an error.
import { createPipeline, type PipelineOutcome } from '@boundkit/pipeline'
import { defineWorker, type Pool } from '@boundkit/pool'
import { type Equal, expectType } from './expect.mjs'

const worker = defineWorker({
  tasks: {
    digest: (text: string) => ({ length: text.length }),
    double: (n: number) => n * 2,
  },
})
const fetch = { run: async (url: string) => `body of ${url}` }

export async function typedPoolStage(pool: Pool<typeof worker>) {
  const pipeline = createPipeline({ fetch, process: { pool, task: 'digest' } })
  for await (const outcome of pipeline.run(['https://example.com/'])) {
    expectType<Equal<typeof outcome, PipelineOutcome<string, { length: number }>>>()
    if (outcome.status === 'fulfilled') expectType<Equal<typeof outcome.value, { length: number }>>()
  }
  // @ts-expect-error: no task 'digestt'
  createPipeline({ fetch, process: { pool, task: 'digestt' } })
  // @ts-expect-error: double takes a number; the fetch stage gives a string
  createPipeline({ fetch, process: { pool, task: 'double' } })
}

export function untypedPoolStage(pool: Pool) {
  const pipeline = createPipeline({ fetch, process: { pool, task: 'anything' } })
  return pipeline
}
