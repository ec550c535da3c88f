export type { WriterErrorCode } from './errors'
export { WriterError } from './errors'
