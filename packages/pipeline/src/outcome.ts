import type { FulfilledOutcome, RejectedOutcome } from '@boundkit/internal'
import { PipelineError } from './errors'

/** The stages of a pipeline, in the order an item goes through them. */
export type PipelineStage = 'fetch' | 'process'

/** Where an item's time went, in ms. */
export interface PipelineTimings {
  /** ms from the first fetch attempt's start to the payload, retries and limiter waits included. */
  fetchMs: number
  /** ms between the stages, in the buffer. */
  waitMs: number
  /** ms in the process stage. */
  processMs: number
}

/** What the pipeline adds to boundkit's one outcome shape. */
interface PipelineOutcomeFields<I> {
  /** The input item itself. */
  item: I
  /** The last stage the item reached. */
  stage: PipelineStage
  timings: PipelineTimings
}

export interface PipelineFulfilledOutcome<I, R> extends FulfilledOutcome<R>, PipelineOutcomeFields<I> {
  /** Fetch attempts made (1 when the first one succeeded). */
  attempts: number
}

export interface PipelineRejectedOutcome<I> extends RejectedOutcome<PipelineError>, PipelineOutcomeFields<I> {
  /** Fetch attempts made (0 when the item was cancelled before its fetch began). */
  attempts: number
}

/**
 * What happened to one input item: boundkit's outcome (`{ index, status, value | error, attempts }`)
 * plus `item`, `stage` and `timings`. A rejection's `error` is a `PipelineError`: `ERR_FETCH_FAILED`,
 * `ERR_PROCESS_FAILED` or `ERR_ABORTED`, with the stage's error (any thrown value) as `cause`.
 */
export type PipelineOutcome<I, R> = PipelineFulfilledOutcome<I, R> | PipelineRejectedOutcome<I>

/** The error an item fails with when `stage` threw `cause` (any value, `null` and `undefined` included). */
export function stageError(stage: PipelineStage, cause: unknown, signal: AbortSignal): PipelineError {
  if (cause instanceof PipelineError && cause.code === 'ERR_ABORTED') return cause
  if (signal.aborted) return new PipelineError('ERR_ABORTED', `Aborted in the ${stage} stage`, { cause })
  const message = cause instanceof Error ? cause.message : String(cause)
  return stage === 'fetch'
    ? new PipelineError('ERR_FETCH_FAILED', `Fetch failed: ${message}`, { cause })
    : new PipelineError('ERR_PROCESS_FAILED', `Process failed: ${message}`, { cause })
}
