// Every package exports the types its errors are made of, type-only (branch on `code`, not on `instanceof`).
import type * as classify from '@boundkit/classify'
import type * as limiter from '@boundkit/limiter'
import type * as pipeline from '@boundkit/pipeline'
import type * as pool from '@boundkit/pool'
import { BoundkitError } from '@boundkit/pool'
import type * as queue from '@boundkit/queue'
import type * as writer from '@boundkit/writer'
import { type Equal, expectType } from './expect.mjs'

export function toJSON(
  error:
    | pool.PoolError
    | limiter.LimiterError
    | pipeline.PipelineError
    | writer.WriterError
    | queue.QueueError
    | classify.ClassifyError,
): pool.ErrorJSON {
  const base: pool.BoundkitError = error
  const link: limiter.ErrorLinkJSON | undefined = base.toJSON().cause?.[0]
  void link
  return error.toJSON()
}

expectType<Equal<classify.ErrorJSON, writer.ErrorJSON>>()
expectType<Equal<queue.ErrorLinkJSON, pipeline.ErrorLinkJSON>>()
expectType<Equal<limiter.BoundkitError<'ERR_X'>['code'], 'ERR_X'>>()

// @ts-expect-error: BoundkitError is a type, not a value a package exports
export const isBoundkitError = (value: unknown) => value instanceof BoundkitError
