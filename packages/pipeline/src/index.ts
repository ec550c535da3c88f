export type { PipelineErrorCode } from './errors'
export { PipelineError } from './errors'
export { createPipeline } from './pipeline'
export type {
  FetchContext,
  FetchStage,
  FulfilledOutcome,
  Outcome,
  Pipeline,
  PipelineOptions,
  PipelineProgress,
  PipelineStats,
  PoolProcessStage,
  ProcessContext,
  ProcessPool,
  ProcessStage,
  RejectedOutcome,
  RunOptions,
  RunProcessStage,
  SpillOptions,
  Stage,
  Timings,
  WorkerProcessStage,
} from './types'
