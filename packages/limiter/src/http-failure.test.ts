import Anthropic, { RetryableError } from '@anthropic-ai/sdk'
import OpenAI from 'openai'
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

/** A socket reset as fetch reports it: `TypeError('fetch failed')` with the socket's error as `cause`. */
function fetchFailed(code = 'ECONNRESET'): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`read ${code}`), { code }) })
}

// The classes themselves, built as each client builds them (`APIError.generate` for an answer).
describe.each([
  { sdk: 'openai', Sdk: OpenAI },
  { sdk: '@anthropic-ai/sdk', Sdk: Anthropic },
])('the errors of the $sdk client', ({ Sdk }) => {
  const answer = (status: number, headers: Record<string, string> = {}) =>
    Sdk.APIError.generate(status, { error: { type: 'x', message: 'm' } }, undefined, new Headers(headers))

  it('retries a connection error, with the socket error two causes deep or none, and a timeout', () => {
    expect(defaultRetryOn(new Sdk.APIConnectionError({ cause: fetchFailed() }))).toBe(true)
    expect(defaultRetryOn(new Sdk.APIConnectionError({ cause: fetchFailed('UND_ERR_SOCKET') }))).toBe(true)
    expect(defaultRetryOn(new Sdk.APIConnectionError({}))).toBe(true)
    expect(defaultRetryOn(new Sdk.APIConnectionTimeoutError())).toBe(true)
    // Wrapped once more by the caller's own code.
    const wrapped = new Error('scoring failed', {
      cause: new Sdk.APIConnectionError({ cause: fetchFailed() }),
    })
    expect(defaultRetryOn(wrapped)).toBe(true)
  })

  it.each([408, 429, 500, 502, 503, 504, 529])('retries an answer %i', (status) => {
    expect(defaultRetryOn(answer(status))).toBe(true)
  })

  it.each([400, 401, 403, 404, 409, 422, 501])('does not retry an answer %i', (status) => {
    expect(defaultRetryOn(answer(status))).toBe(false)
  })

  it('never retries an abort', () => {
    expect(defaultRetryOn(new Sdk.APIUserAbortError())).toBe(false)
  })

  it('reads retry-after-ms, then retry-after, from the Headers of a RateLimitError', () => {
    const limited = answer(429, { 'retry-after': '2', 'retry-after-ms': '750' })
    expect(limited).toBeInstanceOf(Sdk.RateLimitError)
    expect(retryAfterOf(limited, now)).toBe(750)
    expect(retryAfterOf(answer(429, { 'retry-after': '2' }), now)).toBe(2000)
    expect(statusOf(limited)).toBe(429)
  })
})

describe('@anthropic-ai/sdk only', () => {
  it("retries a 529 overloaded_error and a middleware's RetryableError", () => {
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }
    const overloaded = Anthropic.APIError.generate(529, body, undefined, new Headers())
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError)
    expect(defaultRetryOn(overloaded)).toBe(true)
    expect(defaultRetryOn(new RetryableError('again', { cause: new Error('x') }))).toBe(true)
  })
})
