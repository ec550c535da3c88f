export type {
  ErrorJSON,
  ErrorLinkJSON,
  FulfilledOutcome,
  KeyedOutcome,
  Outcome,
  RejectedOutcome,
} from '@boundkit/internal'
export { errorToJSON } from '@boundkit/internal'
export type { AttemptContext, ItemContext } from './attempt'
export type { ItemSource } from './batch'
export type { LimiterReport } from './charge'
export type { Clock } from './clock'
export { systemClock } from './clock'
export type { LimiterErrorCode } from './errors'
export { LimiterError } from './errors'
export type { ConcurrencyEvent, LimiterEvents, RetryEvent } from './events'
export type { ResponseLike } from './http-failure'
export { defaultRetryOn, retryAfterOf, statusOf } from './http-failure'
export { createLimiter, Limiter } from './limiter'
export type {
  AdaptiveConcurrency,
  CooldownOptions,
  Jitter,
  LimiterCost,
  LimiterHeaders,
  LimiterMapOptions,
  LimiterOptions,
  LimiterRunOptions,
  LimiterStreamOptions,
  RateLimit,
  RetryOptions,
  StandaloneRetryOptions,
} from './options'
export type { HeadersLike } from './rate-headers'
export { parseRetryAfter } from './rate-headers'
export { retry } from './retry'
export type { Release } from './semaphore'
export { Semaphore } from './semaphore'
export type { LimiterStats, ServerWindowStats, WindowStats } from './stats'
export type { ChatRequestBody, EstimateTokensOptions } from './tokens'
export { estimateTokens } from './tokens'
