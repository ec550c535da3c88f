import { defineWorker } from '@boundkit/pool'
import { fib, timedFib } from './fib.mjs'

export default defineWorker({ tasks: { fib, timedFib } })
