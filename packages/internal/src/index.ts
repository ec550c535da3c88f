export { describeValue } from './describe'
export { BoundkitError } from './errors'
export { Fifo } from './fifo'
export { itemIterator } from './iterate'
export type { Fail, NumberRule } from './options'
export {
  booleanOption,
  choiceOption,
  expected,
  functionOption,
  numberOption,
  signalOption,
} from './options'
