export { describeValue } from './describe'
export { BoundkitError } from './errors'
export type { Fail, NumberRule } from './options'
export {
  booleanOption,
  choiceOption,
  expected,
  functionOption,
  numberOption,
  signalOption,
} from './options'
export { Fifo } from './fifo'
