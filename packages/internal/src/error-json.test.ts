import { describe, expect, it } from 'vitest'
import { errorToJSON } from './error-json'
import { BoundkitError } from './errors'
import { httpStatusOf } from './http-status'

class DemoError extends BoundkitError<'ERR_DEMO' | 'ERR_INNER'> {}

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value))

describe('errors survive JSON', () => {
  it('a boundkit error keeps its name, code, message and cause chain, with a Node errno error', () => {
    const socket = Object.assign(new Error('read ECONNRESET'), {
      code: 'ECONNRESET',
      errno: -104,
      syscall: 'read',
    })
    const fetchFailed = new TypeError('fetch failed', { cause: socket })
    const error = new DemoError('ERR_DEMO', 'Gave up after 3 attempts', { cause: fetchFailed })
    expect(roundTrip({ error })).toEqual({
      error: {
        name: 'DemoError',
        code: 'ERR_DEMO',
        message: 'Gave up after 3 attempts',
        cause: [
          { name: 'TypeError', message: 'fetch failed' },
          { name: 'Error', code: 'ECONNRESET', message: 'read ECONNRESET', errno: -104, syscall: 'read' },
        ],
      },
    })
  })

  it('keeps the HTTP status of a cause, on the cause and at the top; a boundkit cause keeps its code', () => {
    const http = Object.assign(new Error('HTTP 503'), { response: { status: 503, headers: {} } })
    const inner = new DemoError('ERR_INNER', 'inner', { cause: http })
    const json = new DemoError('ERR_DEMO', 'outer', { cause: inner }).toJSON()
    expect(json).toEqual({
      name: 'DemoError',
      code: 'ERR_DEMO',
      message: 'outer',
      status: 503,
      cause: [
        { name: 'DemoError', code: 'ERR_INNER', message: 'inner' },
        { name: 'Error', message: 'HTTP 503', status: 503 },
      ],
    })
  })

  it('stops at a cycle in the cause chain, and names thrown non-errors', () => {
    const a = new DemoError('ERR_DEMO', 'a')
    const b = new DemoError('ERR_INNER', 'b', { cause: a })
    ;(a as { cause?: unknown }).cause = b
    expect(roundTrip(a)).toEqual({
      name: 'DemoError',
      code: 'ERR_DEMO',
      message: 'a',
      cause: [{ name: 'DemoError', code: 'ERR_INNER', message: 'b' }],
    })
    expect(roundTrip(new DemoError('ERR_DEMO', 'x', { cause: 'disk full' })).cause).toEqual([
      { message: 'disk full' },
    ])
    expect(errorToJSON(null)).toEqual({ message: 'null' })
    expect(errorToJSON(new Error('plain', { cause: { status: 404 } }))).toEqual({
      name: 'Error',
      message: 'plain',
      status: 404,
      cause: [{ message: '', status: 404 }],
    })
  })

  it('never throws, even when reading the error throws', () => {
    const hostile = {
      get message(): string {
        throw new Error('no')
      },
    }
    expect(errorToJSON(hostile)).toEqual({ message: '' })
    const badStatus = Object.defineProperty(new Error('x'), 'status', {
      get() {
        throw new Error('no')
      },
    })
    expect(() => errorToJSON(badStatus)).not.toThrow()
    expect(httpStatusOf({ statusCode: 429 })).toBe(429)
    expect(httpStatusOf({ status: '503' })).toBeUndefined()
  })
})

describe('BoundkitError.toJSON keeps a subclass own fields', () => {
  class LineError extends BoundkitError<'ERR_CORRUPT_LINE'> {
    override name = 'LineError'
    readonly line: number
    constructor(line: number, cause?: unknown) {
      super('ERR_CORRUPT_LINE', `Line ${line} is not JSON`, { cause })
      this.line = line
    }
  }

  it('as JSON.stringify wrote them before, between the message and the cause', () => {
    const error = new LineError(7, new SyntaxError('Unexpected token'))
    expect(JSON.stringify(error)).toBe(
      '{"name":"LineError","code":"ERR_CORRUPT_LINE","message":"Line 7 is not JSON","line":7,' +
        '"cause":[{"name":"SyntaxError","message":"Unexpected token"}]}',
    )
  })
})
