import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket'

describe('TokenBucket', () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    let now = 0
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 3, now: () => now })
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([{ ok: true }, { ok: true }, { ok: true }])
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 500 })
    now = 250
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 250 })
    now = 500
    expect(bucket.take()).toEqual({ ok: true })
  })

  it('never holds more than the burst', () => {
    let now = 0
    const bucket = new TokenBucket({ ratePerSecond: 1000, burst: 2, now: () => now })
    now = 60_000
    expect([bucket.take(), bucket.take(), bucket.take().ok]).toEqual([{ ok: true }, { ok: true }, false])
  })

  it('never refuses with an infinite rate', () => {
    const bucket = new TokenBucket({ ratePerSecond: Number.POSITIVE_INFINITY, burst: 1, now: () => 0 })
    for (let i = 0; i < 100; i++) expect(bucket.take().ok).toBe(true)
  })
})
