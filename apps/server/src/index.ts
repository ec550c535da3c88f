export type { FibRunner } from './cpu-route'
export type { ErrorBody, ServerErrorCode } from './errors'
export { ServerError } from './errors'
export type { FaultKind } from './faults'
export { fib } from './fib'
export type { JudgeRequestBody, JudgeResponseBody } from './judge-route'
export type { JudgeInput, JudgeScores, JudgeVerdict } from './judge-scores'
export { scoreAnswer, verdictOf } from './judge-scores'
export type { LatencyDistribution } from './latency'
export type { GaugeDefinition, GaugeSample, ServerMetrics } from './metrics'
export type { JudgeOptions, ServerOptions } from './options'
export type { RandomSource } from './random'
export { seededRandom } from './random'
export type { RunningServer } from './server'
export { startServer } from './server'
export type {
  ThumbnailItemResult,
  ThumbnailsRequestBody,
  ThumbnailsResponseBody,
} from './thumbnails-route'
