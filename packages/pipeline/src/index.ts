export type { PipelineErrorCode } from './errors'
export { PipelineError } from './errors'
