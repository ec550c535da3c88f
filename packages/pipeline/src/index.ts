export type { PipelineErrorCode } from './errors'
export { PipelineError } from './errors'
export type { PipelineEventName, PipelineEvents } from './events'
export type {
  PipelineFetchContext,
  PipelineFetchStage,
  PipelineOptions,
  PipelinePoolStage,
  PipelineProcessContext,
  PipelineProcessPool,
  PipelineProcessStage,
  PipelineRemoteStage,
  PipelineRunOptions,
  PipelineRunStage,
  PipelineSpillOptions,
  PipelineWorkerStage,
} from './options'
export type {
  PipelineFulfilledOutcome,
  PipelineOutcome,
  PipelineRejectedOutcome,
  PipelineStage,
  PipelineTimings,
} from './outcome'
export { createPipeline, Pipeline } from './pipeline'
export type { PipelineStats } from './stats'
