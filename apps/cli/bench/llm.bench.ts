import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, benchmark } from '../../../bench/harness.ts'
import { cookbookProcessor } from '../../../packages/limiter/bench/llm-cookbook.ts'
import {
  admissionTokens,
  type ChatBody,
  type ChatServer,
  idealMs,
  largeRun,
  llmArgs,
  makePlan,
  type Plan,
  type PlanShape,
  readJsonLines,
  runBinary,
  serverCounts,
  smallRun,
  startChatServer,
  writeInputs,
} from './llm-plan.ts'

// `boundkit llm` (the built binary) against the demo server's POST /v1/chat/completions, whose
// per-minute limits are enforced per window; beside it, on the same server, requests and limits, the
// openai-cookbook's parallel processor and `boundkit batch --rate`.

/** One chat completion for the cookbook's processor: a 429's message ("Rate limit reached ...") is its error. */
async function chatCall(url: string, body: ChatBody): Promise<unknown> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const data = (await response.json()) as { error?: { message?: string } }
  if (!response.ok) throw new Error(data.error?.message ?? `HTTP ${response.status}`)
  return data
}

/**
 * Runs a case from the start of a server window, checks that every request got its answer (once, in
 * order, for the binaries' output files), and gives the figures the server counted during the case.
 */
async function measured(plan: Plan, chat: ChatServer, run: (url: string) => Promise<number>) {
  const before = await serverCounts(chat.server)
  await chat.startWindow()
  const start = performance.now()
  const failed = await run(chat.url)
  const ms = performance.now() - start
  const after = await serverCounts(chat.server)
  const ok = after.ok - before.ok
  const rateLimited = after.rateLimited - before.rateLimited
  const tokens = after.tokens - before.tokens
  if (ok !== plan.n) throw new Error(`the server answered ${ok} requests with 200, not ${plan.n}`)
  return {
    items: plan.n,
    metrics: {
      'x ideal': ms / idealMs(plan, tokens),
      'ideal ms': idealMs(plan, tokens),
      '429s': rateLimited,
      '429 % of requests': (100 * rateLimited) / (rateLimited + ok),
      'tokens/min % of tpm': (100 * tokens * 60_000) / ms / plan.tpm,
      failed,
    },
  }
}

/** Runs a binary writing `out` and checks each line's `field` is `key(i)`: every request once, in order. */
async function binaryRun(
  plan: Plan,
  args: string[],
  out: string,
  field: string,
  key: (i: number) => unknown,
) {
  await runBinary(args)
  const lines = await readJsonLines(out)
  if (lines.length !== plan.n || lines.some((line, i) => line[field] !== key(i))) {
    throw new Error(`${args[0]}: not every request exactly once, in order`)
  }
  return lines.filter((line) => (line.error ?? null) !== null).length
}

function llmBenchmark(title: string, shape: (ctx: BenchContext) => PlanShape, describe: string) {
  let dir: string
  let plan: Plan
  let chat: ChatServer
  let runs = 0
  const out = (name: string) => join(dir, `${name}-${runs++}.jsonl`)
  return benchmark({
    title,
    baseline: 'boundkit llm --rpm --tpm (concurrency auto)',
    description:
      `${describe} The demo server answers after 100 ms and charges prompt + max_tokens at admission, the ` +
      'real usage after; each case starts at the start of one of its windows (its clock moved there). "x ideal": wall time / what the limits allow for the tokens really used (every window ' +
      'filled, the last one started at its start); the binaries are timed from process start to exit, the ' +
      "cookbook's algorithm (packages/limiter/bench/llm-cookbook.ts: continuous buckets starting full at the " +
      'per-minute limits, estimates never reconciled, a 15 s pause after a 429, scaled with the window) runs ' +
      'in the benchmark process. 429s and tokens are counted by the server; "tokens/min % of tpm" is tokens ' +
      'used / wall time against --tpm (above 100% is possible: the last window counts whole). `boundkit ' +
      'batch --rate` gets the tighter of the two limits as requests per window (tokens / mean admission charge).',
    runs: 2,
    quickRuns: 1,
    warmup: 0,
    setup: async (ctx) => {
      plan = makePlan(shape(ctx))
      dir = await mkdtemp(join(tmpdir(), 'boundkit-llm-bench-'))
      await writeInputs(dir, plan)
      chat = await startChatServer(plan)
    },
    teardown: async () => {
      await chat?.server.close()
      await rm(dir, { recursive: true, force: true })
    },
    cases: {
      'boundkit llm --rpm --tpm (concurrency auto)': () =>
        measured(plan, chat, (url) => {
          const file = out('llm')
          return binaryRun(plan, llmArgs(plan, dir, url, file), file, 'custom_id', (i) => `r-${i}`)
        }),
      'openai-cookbook parallel processor (its algorithm)': () =>
        measured(plan, chat, async (url) => {
          const result = await cookbookProcessor(plan.bodies, {
            maxRequestsPerMinute: plan.rpm,
            maxTokensPerMinute: plan.tpm,
            tokens: admissionTokens,
            call: (body) => chatCall(url, body),
            pauseAfterRateLimit: (15_000 * plan.window) / 10_000,
          })
          return result.failed
        }),
      'boundkit batch --rate (requests per window from both limits)': () =>
        measured(plan, chat, (url) => {
          const file = out('batch')
          const args = [
            'batch',
            join(dir, 'bodies.jsonl'),
            '--url',
            `${url}/v1/chat/completions`,
            '--out',
            file,
            '--rate',
            `${plan.ratePerWindow}/${plan.window}ms`,
            '--concurrency',
            '32',
            '--retries',
            '30',
          ]
          return binaryRun(plan, args, file, 'key', (i) => i + 1)
        }),
    },
  })
}

export default [
  llmBenchmark(
    '`boundkit llm` vs the openai-cookbook processor vs `boundkit batch --rate`: 200 chat requests against per-minute limits enforced per window',
    smallRun,
    '200 chat requests (30 under --quick); the server allows per window (10 s; 1 s quick) half the requests ' +
      'and 1/3.5 of the tokens the batch uses.',
  ),
  llmBenchmark(
    '`boundkit llm` vs the openai-cookbook processor vs `boundkit batch --rate`: 2,000 chat requests against per-minute limits enforced per window',
    largeRun,
    '2,000 chat requests (40 under --quick, with the limits of the 200); the server allows per window (10 s; ' +
      '1 s quick) a quarter of the requests and 1/7.5 of the tokens the batch uses.',
  ),
]
