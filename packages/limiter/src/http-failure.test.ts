import { describe, expect, it } from 'vitest'
import { LimiterError } from './errors'
import { defaultRetryOn, parseRetryAfter, retryAfterOf, statusOf } from './index'

const now = Date.parse('2026-01-01T00:00:00Z')

describe('defaultRetryOn', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('retries HTTP %i', (status) => {
    expect(defaultRetryOn(Object.assign(new Error('x'), { status }))).toBe(true)
    expect(defaultRetryOn(Object.assign(new Error('x'), { statusCode: status }))).toBe(true)
    expect(defaultRetryOn(Object.assign(new Error('x'), { response: { status } }))).toBe(true)
  })

  it.each([400, 401, 403, 404, 409, 422, 501])('does not retry HTTP %i', (status) => {
    expect(defaultRetryOn(Object.assign(new Error('x'), { status }))).toBe(false)
  })

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET'])(
    'retries network code %s',
    (code) => {
      expect(defaultRetryOn(Object.assign(new Error('x'), { code }))).toBe(true)
      const fetchError = new TypeError('fetch failed', { cause: Object.assign(new Error('s'), { code }) })
      expect(defaultRetryOn(fetchError)).toBe(true)
    },
  )

  it('retries timeouts, never aborts or plain errors', () => {
    expect(defaultRetryOn(new LimiterError('ERR_TIMEOUT', 't'))).toBe(true)
    expect(defaultRetryOn(new DOMException('t', 'TimeoutError'))).toBe(true)
    expect(defaultRetryOn(new DOMException('a', 'AbortError'))).toBe(false)
    expect(defaultRetryOn(new LimiterError('ERR_ABORTED', 'a'))).toBe(false)
    expect(defaultRetryOn(new Error('bug'))).toBe(false)
    expect(defaultRetryOn('string')).toBe(false)
    expect(defaultRetryOn(null)).toBe(false)
  })

  it('reads a Response', () => {
    expect(defaultRetryOn(new Response('', { status: 503 }))).toBe(true)
    expect(defaultRetryOn(new Response('', { status: 404 }))).toBe(false)
    expect(statusOf(new Response('', { status: 429 }))).toBe(429)
  })
})

describe('Retry-After', () => {
  it('parses seconds and HTTP dates', () => {
    expect(parseRetryAfter('5', now)).toBe(5000)
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500)
    expect(parseRetryAfter(2, now)).toBe(2000)
    expect(parseRetryAfter(new Date(now + 7000).toUTCString(), now)).toBe(7000)
    expect(parseRetryAfter(new Date(now - 7000).toUTCString(), now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('', now)).toBeUndefined()
    expect(parseRetryAfter(-1, now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })

  it('finds it on errors, plain or Headers objects and Responses', () => {
    expect(retryAfterOf({ retryAfter: '3' }, now)).toBe(3000)
    expect(retryAfterOf({ response: { headers: { 'Retry-After': '4' } } }, now)).toBe(4000)
    expect(retryAfterOf({ response: { headers: new Headers({ 'retry-after': '6' }) } }, now)).toBe(6000)
    expect(retryAfterOf({ headers: { 'retry-after': ['8'] } }, now)).toBe(8000)
    expect(retryAfterOf(new Response('', { status: 429, headers: { 'Retry-After': '9' } }), now)).toBe(9000)
    expect(retryAfterOf(new Error('none'), now)).toBeUndefined()
    expect(retryAfterOf(undefined, now)).toBeUndefined()
  })
})
