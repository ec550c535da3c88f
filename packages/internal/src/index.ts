export { describeValue } from './describe'
export { BoundkitError } from './errors'
export { Fifo } from './fifo'
export type { Fail, NumberRule } from './options'
export {
  booleanOption,
  choiceOption,
  expected,
  functionOption,
  numberOption,
  signalOption,
} from './options'
export { itemIterator } from './iterate'
