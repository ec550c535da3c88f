// Consumer smoke test from CommonJS: run, stream and the coded errors.
const { createLimiter, estimateTokens } = require('@boundkit/limiter')

async function main() {
  const limiter = createLimiter({ concurrency: 3, rate: { limit: 100, interval: 1000 } })
  const seen = []
  for await (const outcome of limiter.stream([3, 1, 2], async (x) => x)) seen.push(outcome.value)
  if (seen.sort().join() !== '1,2,3') throw new Error(`stream gave ${seen}`)
  const error = await limiter.run(() => new Promise(() => {}), { timeout: 20, retry: false }).catch((e) => e)
  if (error.code !== 'ERR_TIMEOUT') throw new Error(`expected ERR_TIMEOUT, got ${error.code}`)
  // estimateTokens loads gpt-tokenizer (when installed) with createRequire from the CJS build too.
  if (!(estimateTokens({ messages: [{ content: 'hi' }], max_tokens: 5 }) >= 12))
    throw new Error('estimateTokens')
  console.log('limiter cjs smoke ok')
}
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
