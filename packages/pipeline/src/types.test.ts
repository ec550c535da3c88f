import { defineWorker, type Pool } from '@boundkit/pool'
import { describe, expectTypeOf, it } from 'vitest'
import { createPipeline, type Pipeline, type PipelineOutcome } from './index'

// Type-level only: nothing here runs a pipeline.
const worker = defineWorker({
  tasks: {
    digest: (text: string) => ({ length: text.length }),
    double: (n: number) => n * 2,
  },
})
declare const typed: Pool<typeof worker>
declare const untyped: Pool
const text = { run: async (url: string) => `body of ${url}` }

describe('a typed pool stage carries its types into the pipeline', () => {
  it("gives the outcomes' value the task's result type", () => {
    const check = () => {
      const pipeline = createPipeline({ fetch: text, process: { pool: typed, task: 'digest' } })
      expectTypeOf(pipeline).toEqualTypeOf<Pipeline<string, string, { length: number }>>()
      expectTypeOf(pipeline.run(['a'])).toEqualTypeOf<
        AsyncIterableIterator<PipelineOutcome<string, { length: number }>>
      >()
    }
    expectTypeOf(check).toBeFunction()
  })

  it('checks the task name and the fetched payload against the worker', () => {
    const check = () => {
      // @ts-expect-error: no task 'digestt'
      createPipeline({ fetch: text, process: { pool: typed, task: 'digestt' } })
      // @ts-expect-error: double takes a number, the fetch stage gives a string
      createPipeline({ fetch: text, process: { pool: typed, task: 'double' } })
    }
    expectTypeOf(check).toBeFunction()
  })

  it('keeps an untyped pool, explicit type arguments and the other stages as they were', () => {
    const check = () => {
      expectTypeOf(createPipeline({ fetch: text, process: { pool: untyped, task: 'any' } })).toEqualTypeOf<
        Pipeline<string, string, unknown>
      >()
      expectTypeOf(
        createPipeline<string, string, number>({ fetch: text, process: { pool: typed, task: 'digest' } }),
      ).toEqualTypeOf<Pipeline<string, string, number>>()
      expectTypeOf(
        createPipeline({ fetch: text, process: { run: (body: string) => body.length } }),
      ).toEqualTypeOf<Pipeline<string, string, number>>()
    }
    expectTypeOf(check).toBeFunction()
  })
})
