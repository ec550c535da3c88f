import { describe, expect, it } from 'vitest'
import { errorRecord, HttpError } from '../../http'
import { outputLine } from './output-line'

describe('errorRecord', () => {
  it('keeps the status and body of an HTTP error behind a retries-exhausted error', () => {
    const http = new HttpError(503, new Headers(), { error: 'busy' })
    const exhausted = Object.assign(new Error('Gave up after 4 attempts', { cause: http }), {
      code: 'ERR_RETRIES_EXHAUSTED',
    })
    expect(errorRecord(exhausted)).toEqual({
      code: 'ERR_RETRIES_EXHAUSTED',
      message: 'Gave up after 4 attempts: HTTP 503',
      status: 503,
      body: { error: 'busy' },
    })
  })

  it("names a network error's cause", () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    const failed = new TypeError('fetch failed', { cause: reset })
    expect(errorRecord(failed)).toEqual({
      code: 'ECONNRESET',
      message: 'fetch failed: socket hang up (ECONNRESET)',
    })
  })

  it('names the socket error behind a retries-exhausted network failure', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
    const exhausted = Object.assign(
      new Error('Gave up after 2 attempts', { cause: new TypeError('fetch failed', { cause: refused }) }),
      { code: 'ERR_RETRIES_EXHAUSTED' },
    )
    expect(errorRecord(exhausted)).toEqual({
      code: 'ERR_RETRIES_EXHAUSTED',
      message: 'Gave up after 2 attempts: fetch failed: connect ECONNREFUSED 127.0.0.1:9',
    })
  })
})

describe('outputLine', () => {
  it('has the documented fields in order, ms rounded to 0.1', () => {
    const line = outputLine({ key: 'a', index: 3 }, 200, { response: { ok: true } }, 2, 12.345)
    expect(Object.keys(line)).toEqual(['key', 'index', 'status', 'response', 'attempts', 'ms'])
    expect(line.ms).toBe(12.3)
  })
})
