import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLimiter, errorToJSON, LimiterError } from '../src/index'
import { getText, startServer } from './http-server'

let server: Awaited<ReturnType<typeof startServer>>

beforeAll(async () => {
  server = await startServer()
})

afterAll(async () => {
  await server.close()
})

describe('outcomes written as JSON keep what went wrong', () => {
  it('a stream outcome of a fetch failing with 503 keeps the message, the HTTP 503 cause, the status and the key', async () => {
    const limiter = createLimiter({ retry: { retries: 1, minDelay: 1, maxDelay: 1 } })
    const items = [
      { id: 'conv-0', path: '/status?code=503' },
      { id: 'conv-1', path: '/ok' },
      { id: 'conv-2', path: '/status?code=404' },
    ]
    const lines: string[] = []
    for await (const outcome of limiter.stream(
      items,
      (item, { signal }) => getText(`${server.url}${item.path}`, signal),
      { key: (item) => item.id },
    )) {
      lines.push(JSON.stringify(outcome))
    }
    const written = lines.map((line) => JSON.parse(line)).sort((a, b) => a.index - b.index)
    expect(written[0]).toEqual({
      index: 0,
      key: 'conv-0',
      status: 'rejected',
      error: {
        name: 'LimiterError',
        code: 'ERR_RETRIES_EXHAUSTED',
        message: 'Gave up after 2 attempts',
        status: 503,
        attempts: 2,
        cause: [{ name: 'Error', message: 'HTTP 503', status: 503 }],
      },
      attempts: 2,
    })
    expect(written[1]).toEqual({ index: 1, key: 'conv-1', status: 'fulfilled', value: '200', attempts: 1 })
    // A failure that is not retried is the task's own error, passed through: errorToJSON keeps it.
    expect(written[2]).toMatchObject({ key: 'conv-2', status: 'rejected', attempts: 1 })
  })

  it('errorToJSON keeps a thrown plain error; a LimiterError keeps its code and attempts', () => {
    const plain = Object.assign(new Error('HTTP 404'), { status: 404 })
    expect(errorToJSON(plain)).toEqual({ name: 'Error', message: 'HTTP 404', status: 404 })
    const closed = new LimiterError('ERR_CLOSED', 'The limiter was closed while the job waited for a retry', {
      cause: Object.assign(new Error('read ECONNRESET'), {
        code: 'ECONNRESET',
        errno: -104,
        syscall: 'read',
      }),
      attempts: 1,
    })
    expect(JSON.parse(JSON.stringify(closed))).toEqual({
      name: 'LimiterError',
      code: 'ERR_CLOSED',
      message: 'The limiter was closed while the job waited for a retry',
      attempts: 1,
      cause: [
        { name: 'Error', code: 'ECONNRESET', message: 'read ECONNRESET', errno: -104, syscall: 'read' },
      ],
    })
  })
})
