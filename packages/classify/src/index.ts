export type { ClassifyErrorCode } from './errors'
export { ClassifyError } from './errors'
