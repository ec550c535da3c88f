export { classify } from './classify'
export type { CommandOptions } from './command'
export { classifyCommand } from './command'
export type { ClassifyErrorCode, CommandFailure } from './errors'
export { ClassifyError } from './errors'
export { format } from './format'
export type { Measurement, MeasureOptions, Task } from './measure'
export { measure } from './measure'
export type { ClassifyOptions, Thresholds } from './options'
export { defaultThresholds } from './options'
export type { Probe, ProbeLevel, ProbeStop } from './probe'
export type {
  ClassifyReport,
  CommandReport,
  CommandRun,
  Environment,
  Recommendation,
  Strategy,
  Summary,
  TaskKind,
} from './report'
