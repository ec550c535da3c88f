import { defineWorker } from '@boundkit/pool'
import { fib } from './fib.mjs'

export default defineWorker({ tasks: { fib } })
