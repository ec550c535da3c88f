export type { PoolErrorCode } from './errors'
export { PoolError } from './errors'
