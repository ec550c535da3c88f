// Consumer smoke test: the packed package, imported from ESM, runs a batch with retries and a
// cooldown against a fake failing task, and exposes its error codes.
import { createLimiter, estimateTokens, LimiterError, retry, Semaphore } from '@boundkit/limiter'

const limiter = createLimiter({ concurrency: 2, retry: { retries: 2, minDelay: 1, maxDelay: 2 } })
const outcomes = await limiter.map(
  [1, 2, 3, 4],
  async (x, { attempt }) => {
    if (x === 2 && attempt === 1) throw Object.assign(new Error('busy'), { status: 503 })
    if (x === 4) throw Object.assign(new Error('gone'), { status: 404 })
    return x * 2
  },
  { settle: true },
)
const summary = outcomes.map((o) => `${o.index}:${o.status}:${o.attempts}`).join(',')
if (summary !== '0:fulfilled:1,1:fulfilled:2,2:fulfilled:1,3:rejected:1')
  throw new Error(`unexpected ${summary}`)
const { done, failed } = limiter.stats()
if (done !== 3 || failed !== 1) throw new Error(`stats() gave done ${done}, failed ${failed}`)
const tooLong = await limiter
  .run(() => Promise.reject(Object.assign(new Error('quota'), { status: 429, retryAfter: 86_400 })))
  .catch((e) => e)
if (tooLong.code !== 'ERR_RETRY_AFTER_TOO_LONG')
  throw new Error(`expected ERR_RETRY_AFTER_TOO_LONG, got ${tooLong.code}`)
if ((await retry(async ({ attempt }) => attempt, {})) !== 1) throw new Error('retry failed')
const sem = new Semaphore(1)
const release = await sem.acquire()
if (sem.tryAcquire() !== undefined) throw new Error('semaphore let two in')
release()
const error = await limiter.run(() => 1, { timeout: 0 }).catch((e) => e)
if (!(error instanceof LimiterError) || error.code !== 'ERR_INVALID_OPTION') throw new Error('no coded error')
// Issue 14: a token window, the real cost reported, a cost too high, estimateTokens (gpt-tokenizer or not).
// A server that refunds (`refund: true`): the reported cost replaces the estimate.
const tokens = createLimiter({ rate: [{ limit: 100, interval: 60_000, cost: 'tokens', refund: true }] })
await tokens.run(({ report }) => report({ cost: { tokens: 10 }, headers: {} }), { cost: { tokens: 90 } })
if (tokens.stats().windows[0].used !== 10) throw new Error('report({ cost }) did not replace the estimate')
const tooHigh = await tokens.run(() => 1, { cost: { tokens: 101 } }).catch((e) => e)
if (tooHigh.code !== 'ERR_COST_TOO_HIGH') throw new Error(`expected ERR_COST_TOO_HIGH, got ${tooHigh.code}`)
if (estimateTokens('abcdefgh', { tokenizer: false }) !== 2 || !(estimateTokens('hello world') > 0))
  throw new Error('estimateTokens')
// Issue 19: outcomes carry the item's key; errors survive JSON (code, message, status, cause).
const keyed = await limiter.map([{ id: 'a' }], (row) => row.id, {
  settle: true,
  key: (row) => `id-${row.id}`,
})
if (keyed[0].key !== 'id-a') throw new Error(`key gave ${keyed[0].key}`)
const written = JSON.parse(JSON.stringify({ error: tooLong }))
if (written.error.code !== 'ERR_RETRY_AFTER_TOO_LONG' || written.error.status !== 429)
  throw new Error(`JSON of an error gave ${JSON.stringify(written)}`)
if (written.error.cause?.[0]?.message !== 'quota') throw new Error('JSON lost the cause')
console.log('limiter smoke ok')
