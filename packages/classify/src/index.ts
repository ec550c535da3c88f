export type { Task } from './calls'
export { classify } from './classify'
export { classifyCommand } from './command'
export type { ClassifyErrorCode, CommandFailure } from './errors'
export { ClassifyError } from './errors'
export type { ClassifyFormatOptions } from './format'
export { format } from './format'
export { startLoadReading } from './machine-load'
export type { Measurement } from './measure'
export { measure } from './measure'
export type { Spread } from './median'
export type { ClassifyCommandOptions, ClassifyMeasureOptions, ClassifyOptions, Thresholds } from './options'
export { defaultThresholds } from './options'
export type { Probe, ProbeLevel, ProbeStop } from './probe'
export type {
  Certainty,
  ClassifyReport,
  CommandReport,
  CommandRun,
  Environment,
  Recommendation,
  Strategy,
  Summary,
  TaskKind,
} from './report'
