import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningServer, startServer } from '@boundkit/server'
import { type BenchContext, benchmark } from '../../../bench/harness.ts'

// `boundkit llm` (the built binary) against the demo server's POST /v1/chat/completions, whose
// per-minute limits are enforced per window; beside it `boundkit batch --rate` on the same bodies.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const MAX_TOKENS = 40
const LATENCY = 100

let dir: string
let plan: ReturnType<typeof makePlan>

/** A chat body whose content the server answers with the judge's scores (about 22 tokens). */
function body(i: number) {
  const item = {
    id: `c${i}`,
    question: `What is ${i}?`,
    contexts: [`${i} is a number. `.repeat(1 + (i % 7))],
    answer: `${i}.`,
  }
  return {
    model: 'demo',
    messages: [{ role: 'user', content: JSON.stringify(item) }],
    max_tokens: MAX_TOKENS,
  }
}

/** The server's own charge of a prompt (chars/4 per message + overheads), as its README gives it. */
function promptTokens(b: ReturnType<typeof body>): number {
  return 2 + b.messages.reduce((sum, m) => sum + 4 + Math.ceil(m.content.length / 4), 0)
}

function makePlan(ctx: BenchContext) {
  const n = ctx.scale(200, 30)
  const window = ctx.scale(10_000, 2000)
  const bodies = Array.from({ length: n }, (_, i) => body(i))
  // The answers' content is about 90 characters: 23 completion tokens.
  const tokens = bodies.reduce((sum, b) => sum + promptTokens(b) + 23, 0)
  const admission = bodies.reduce((sum, b) => sum + promptTokens(b) + MAX_TOKENS, 0) / n
  const tokensPerWindow = Math.ceil(tokens / 3.5)
  const requestsPerWindow = Math.ceil(n / 2)
  const perMinute = 60_000 / window
  return {
    n,
    window,
    bodies,
    tokens,
    rpm: requestsPerWindow * perMinute,
    tpm: tokensPerWindow * perMinute,
    tokensPerWindow,
    requestsPerWindow,
    /** `boundkit batch --rate`: the request and token limits as starts per window (admission charge). */
    ratePerWindow: Math.floor(Math.min(requestsPerWindow, tokensPerWindow / admission)),
  }
}

/** The wall time the limits allow for the tokens really used: every window filled, the last one started at its start. */
function idealMs(tokensUsed: number): number {
  const windows = Math.ceil(Math.max(tokensUsed / plan.tokensPerWindow, plan.n / plan.requestsPerWindow))
  return (windows - 1) * plan.window + LATENCY
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [main, ...args], { maxBuffer: 64 * 2 ** 20 }, (error, _stdout, stderr) =>
      error && error.code !== 0 ? reject(new Error(`${args[0]} failed: ${stderr.slice(-500)}`)) : resolve(),
    )
  })
}

/** Starts a fresh server (its windows start now), runs the case, checks the output, gives the figures. */
async function measured(
  name: string,
  field: string,
  args: (url: string, out: string) => string[],
  key: (i: number) => unknown,
) {
  const server: RunningServer = await startServer({
    seed: 1,
    chatRpm: plan.rpm,
    chatTpm: plan.tpm,
    chatWindowMs: plan.window,
    judge: { latencyMs: LATENCY, latencyDistribution: 'fixed', faultRate: 0 },
  })
  const out = join(dir, `${name}-${Date.now()}.jsonl`)
  try {
    const start = performance.now()
    await run(args(server.url, out))
    const ms = performance.now() - start
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    if (lines.length !== plan.n || lines.some((line, i) => line[field] !== key(i))) {
      throw new Error(`${name}: not every request exactly once, in order`)
    }
    const attempts = lines.reduce((sum, line) => sum + (line.attempts as number), 0)
    // The usage the server reported: in the Batch API body (llm) or the response itself (batch).
    const used = lines.reduce((sum, line) => {
      const response = line.response as {
        body?: { usage?: { total_tokens: number } }
        usage?: { total_tokens: number }
      }
      return sum + ((response.body ?? response).usage?.total_tokens ?? 0)
    }, 0)
    const failed = lines.filter((line) => (line.error ?? null) !== null).length
    return {
      items: plan.n,
      metrics: {
        'x ideal': ms / idealMs(used),
        'ideal ms': idealMs(used),
        '429s (retries, faults off)': attempts - plan.n,
        failed,
      },
    }
  } finally {
    await server.close()
  }
}

export default benchmark({
  title:
    '`boundkit llm` vs `boundkit batch --rate`: chat requests against per-minute request and token limits enforced per window',
  baseline: 'boundkit llm --rpm --tpm (concurrency auto)',
  description:
    'The built binary on 200 chat requests (30 under --quick) against the demo server, which allows per ' +
    'window (10 s; 2 s quick) half the requests and 1/3.5 of the tokens the batch uses, answers after 100 ms ' +
    'and charges prompt + max_tokens at admission. "x ideal": wall time (process start to exit) / what the ' +
    'limits allow for the tokens really used (every window filled, the last one started at its start). ' +
    '`boundkit batch --rate` gets the tighter of the two limits as requests per window (tokens / mean admission charge).',
  runs: 2,
  quickRuns: 1,
  warmup: 0,
  setup: async (ctx) => {
    plan = makePlan(ctx)
    dir = await mkdtemp(join(tmpdir(), 'boundkit-llm-bench-'))
    const requests = plan.bodies.map((b, i) =>
      JSON.stringify({ custom_id: `r-${i}`, method: 'POST', url: '/v1/chat/completions', body: b }),
    )
    await writeFile(join(dir, 'requests.jsonl'), `${requests.join('\n')}\n`)
    await writeFile(join(dir, 'bodies.jsonl'), `${plan.bodies.map((b) => JSON.stringify(b)).join('\n')}\n`)
  },
  teardown: () => rm(dir, { recursive: true, force: true }),
  cases: {
    'boundkit llm --rpm --tpm (concurrency auto)': () =>
      measured(
        'llm',
        'custom_id',
        (url, out) => [
          'llm',
          join(dir, 'requests.jsonl'),
          '--out',
          out,
          '--base-url',
          url,
          '--rpm',
          String(plan.rpm),
          '--tpm',
          String(plan.tpm),
          '--max-attempts',
          '30',
        ],
        (i) => `r-${i}`,
      ),
    'boundkit batch --rate (requests per window from both limits)': () =>
      measured(
        'batch',
        'key',
        (url, out) => [
          'batch',
          join(dir, 'bodies.jsonl'),
          '--url',
          `${url}/v1/chat/completions`,
          '--out',
          out,
          '--rate',
          `${plan.ratePerWindow}/${plan.window}ms`,
          '--concurrency',
          '32',
          '--retries',
          '30',
        ],
        (i) => i + 1,
      ),
  },
})
