export type { CauseLink } from './cause'
export { causeChain, chainMessage, messageOf } from './cause'
export { describeValue } from './describe'
export { asyncDispose } from './dispose'
export type { EventNames, Listener } from './emitter'
export { Emitter } from './emitter'
export type { ErrorJSON, ErrorLinkJSON } from './error-json'
export { errorToJSON } from './error-json'
export { BoundkitError } from './errors'
export { Fifo } from './fifo'
export { parseGoDuration } from './go-duration'
export type { Usage } from './http-body'
export { MAX_USAGE_TOKENS, readCappedText, usageOf } from './http-body'
export { httpStatusOf } from './http-status'
export type { ItemIterator } from './iterate'
export { itemIterator } from './iterate'
export { LineSplitter } from './lines'
export type { Fail, NumberRule } from './options'
export {
  booleanOption,
  choiceOption,
  expected,
  functionOption,
  numberOption,
  optionFailure,
  optionsObject,
  signalOption,
  timeoutOption,
} from './options'
export type { FulfilledOutcome, KeyedOutcome, Outcome, RejectedOutcome } from './outcome'
export { redactUrl, SECRET_NAME } from './redact'
export { rejection } from './testing'
export { isThenable } from './thenable'
export { FIRST_WINDOW_MS, windowSpanOf } from './window-span'
