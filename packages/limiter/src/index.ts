export type { FulfilledOutcome, Outcome, RejectedOutcome } from '@boundkit/internal'
export type { AttemptContext, ItemContext } from './attempt'
export type { ItemSource } from './batch'
export type { Clock } from './clock'
export { systemClock } from './clock'
export type { LimiterErrorCode } from './errors'
export { LimiterError } from './errors'
export type { LimiterEvents, RetryEvent } from './events'
export type { ResponseLike } from './http-failure'
export { defaultRetryOn, parseRetryAfter, retryAfterOf, statusOf } from './http-failure'
export { createLimiter, Limiter } from './limiter'
export type {
  CooldownOptions,
  Jitter,
  LimiterMapOptions,
  LimiterOptions,
  LimiterRunOptions,
  LimiterStreamOptions,
  RateLimit,
  RetryOptions,
  StandaloneRetryOptions,
} from './options'
export { retry } from './retry'
export type { Release } from './semaphore'
export { Semaphore } from './semaphore'
export type { LimiterStats } from './stats'
