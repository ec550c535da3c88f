export type { LimiterErrorCode } from './errors'
export { LimiterError } from './errors'
