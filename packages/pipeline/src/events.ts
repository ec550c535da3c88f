import type { EventNames } from '@boundkit/internal'
import type { PipelineStats } from './stats'

/** The events of `pipeline.on(event, listener)`, with their payloads. */
export interface PipelineEvents {
  /** After every change of the counters, once per change: a fresh `stats()`. */
  progress: PipelineStats
}

export type PipelineEventName = keyof PipelineEvents

export const PIPELINE_EVENTS: EventNames<PipelineEvents> = { progress: true }
