export type { FulfilledOutcome, KeyedOutcome, Outcome, RejectedOutcome } from '@boundkit/internal'
export type { QueueConnection } from './connection'
export { redactUrl } from './connection'
export type { QueueKey, QueueOutcome } from './distribute'
export type { QueueErrorCode } from './errors'
export { QueueError } from './errors'
export type { QueueEvents, QueueWorkerEvents } from './events'
export { jobIdOf } from './job-id'
export type { HttpJobData, HttpJobResult, PoolJobData, QueueJob } from './jobs'
export { HTTP_JOB, httpJob, POOL_JOB, poolJob } from './jobs'
export type {
  QueueConnectionOptions,
  QueueDistributeOptions,
  QueueHandler,
  QueueOptions,
  QueueRate,
  QueueWorkerOptions,
} from './options'
export { createQueue, Queue } from './queue'
export type { QueueStageOptions } from './stage'
export { QueueStage, queueStage } from './stage'
export type { QueueClusterCounts, QueueJobCounts, QueueStats, QueueWorkerStats } from './stats'
export type { TokenCharge } from './token-window'
export { QueueWorker, startWorker } from './worker'
export type { QueueWorkerStatus } from './worker-status'
