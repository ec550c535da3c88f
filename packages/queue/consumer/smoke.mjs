// Consumer smoke test (ESM): the installed package loads with BullMQ and ioredis, and checks options.
import assert from 'node:assert/strict'
import { createQueue, jobIdOf, poolJob, redactUrl } from '@boundkit/queue'

assert.equal(jobIdOf('a:b'), 'k-a%3Ab')
assert.deepEqual(poolJob('tasks.mjs', 'square', 3), {
  name: 'pool',
  data: { file: 'tasks.mjs', task: 'square', input: 3 },
})
assert.equal(redactUrl('rediss://me:secret@host:6380'), 'rediss://me:***@host:6380')
assert.throws(() => createQueue({ connection: 'redis://127.0.0.1:6379', name: '' }), {
  code: 'ERR_INVALID_OPTION',
})
await createQueue({ connection: 'redis://127.0.0.1:6379', name: 'unused' }).close()
console.log('queue ESM smoke: ok')
