/**
 * A Redis that requires a password (a private redis-server started with `--requirepass`): refused
 * credentials have their own code, and the password shows in no message, cause or event.
 */
import { inspect } from 'node:util'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQueue, startWorker } from '../src/index'
import { startRedis, type TestRedis } from './redis'

const PASSWORD = 'pw-auth-test-5b1e'
let redis: TestRedis

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD })
})

afterAll(() => redis.remove())

const at = (credentials: string) => `redis://${credentials}127.0.0.1:${redis.port}`

/** Everything an error shows when printed or serialised, its causes included. */
const shown = (error: unknown) => `${inspect(error, { depth: null })}\n${JSON.stringify(error)}`

describe('refused credentials', () => {
  it('fail startWorker and the producer with ERR_REDIS_AUTH, not ERR_REDIS_UNREACHABLE, without the password', async () => {
    const url = at(`default:wrong-${PASSWORD}@`)
    const workerError = await startWorker({ connection: url, name: 'auth', handleSignals: false }).catch(
      (error: unknown) => error,
    )
    expect(workerError).toMatchObject({ code: 'ERR_REDIS_AUTH' })
    expect((workerError as Error).message).toContain('refused the user name or password')
    expect((workerError as Error).message).toContain('WRONGPASS')
    const queue = createQueue({ connection: url, name: 'auth' })
    const queueError = await queue.jobCounts().catch((error: unknown) => error)
    await queue.close()
    expect(queueError).toMatchObject({ code: 'ERR_REDIS_AUTH' })
    for (const error of [workerError, queueError]) expect(shown(error)).not.toContain(PASSWORD)
  })

  it('say that a password is needed when none was given', async () => {
    const error = await startWorker({ connection: at(''), name: 'auth', handleSignals: false }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'ERR_REDIS_AUTH' })
    expect((error as Error).message).toContain('needs a password and none was given')
  })

  it("keep the password out of the errors a running worker reports once Redis's password changes", async () => {
    const worker = await startWorker({
      connection: at(`default:${PASSWORD}@`),
      name: 'auth',
      handleSignals: false,
      threads: 1,
      // Its connections' reconnects were refused: its close may need the grace period to end.
      closeTimeout: 2000,
    })
    const errors: Error[] = []
    worker.on('error', (error) => errors.push(error))
    const admin = new Redis({ host: '127.0.0.1', port: redis.port, password: PASSWORD })
    try {
      await admin.config('SET', 'requirepass', `new-${PASSWORD}`)
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
      await expect
        .poll(() => errors.some((e) => e.message.includes('WRONGPASS')), { timeout: 30_000 })
        .toBe(true)
      await admin.config('SET', 'requirepass', PASSWORD)
    } finally {
      admin.disconnect()
    }
    await worker.close()
    for (const error of errors) expect(shown(error)).not.toContain(PASSWORD)
  })
})
