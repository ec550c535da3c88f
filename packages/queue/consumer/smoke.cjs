// Consumer smoke test (CommonJS): the installed package loads with BullMQ and ioredis, and checks options.
const assert = require('node:assert/strict')
const { createQueue, jobIdOf, httpJob } = require('@boundkit/queue')

assert.equal(jobIdOf(12), 'k-12')
assert.deepEqual(httpJob({ url: 'http://127.0.0.1/' }), { name: 'http', data: { url: 'http://127.0.0.1/' } })
assert.throws(() => createQueue({ connection: 'ftp://x', name: 'q' }), { code: 'ERR_INVALID_OPTION' })
console.log('queue CJS smoke: ok')
