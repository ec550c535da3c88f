export type { WriterCompactResult } from './compact'
export { compactFile } from './compact'
export type { WriterErrorCode } from './errors'
export { WriterError } from './errors'
export type { WriterEvents } from './events'
export { openWriter } from './open'
export type {
  Durability,
  WriterCompactOptions,
  WriterFormat,
  WriterOptions,
  WriterReadCompletedOptions,
  WriterWriteOptions,
} from './options'
export { readCompleted } from './resume'
export type { WriterStats } from './stats'
export { Writer } from './writer'
