import { defineWorker } from '@boundkit/pool'

export default defineWorker({ tasks: { inc: (n) => n + 1 } })
