import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, benchmark } from '../../../bench/harness.ts'
import { cookbookProcessor } from '../../../packages/limiter/bench/llm-cookbook.ts'
import {
  admissionTokens,
  allRules,
  type ChatBody,
  type ChatServer,
  idealFor,
  largeRun,
  llmArgs,
  makePlan,
  type Plan,
  type PlanShape,
  readJsonLines,
  ruleName,
  runBinary,
  type ServerRule,
  serverCounts,
  smallRun,
  startChatServer,
  writeInputs,
} from './llm-plan.ts'

// `boundkit llm` (the built binary, default settings) against the demo server's POST
// /v1/chat/completions under every rule a real API may have: tokens charged at admission and never
// refunded (reserve) or corrected to usage (refund), per-minute limits enforced over 1 s or 10 s
// windows, fixed or sliding. Beside it, on two of the rules, the openai-cookbook's parallel processor.

const QUICK = process.argv.includes('--quick')

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
 * Runs a case from the start of a server window, checks that every request got its answer, and gives
 * the figures the server counted during the case against the best schedule its rule allows.
 */
async function measured(
  plan: Plan,
  rule: ServerRule,
  chat: ChatServer,
  run: (url: string) => Promise<number>,
) {
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
  const ideal = idealFor(plan, rule, tokens)
  return {
    items: plan.n,
    metrics: {
      'x ideal': ms / ideal,
      'ideal ms': ideal,
      '429s': rateLimited,
      '429 % of requests': (100 * rateLimited) / (rateLimited + ok),
      failed,
    },
  }
}

/** `boundkit llm` writing `out`, checked: every `custom_id` exactly once, in order. */
async function llmRun(plan: Plan, dir: string, url: string, out: string) {
  await runBinary(llmArgs(plan, dir, url, out))
  const lines = await readJsonLines(out)
  if (lines.length !== plan.n || lines.some((line, i) => line.custom_id !== `r-${i}`)) {
    throw new Error('boundkit llm: not every request exactly once, in order')
  }
  return lines.filter((line) => (line.error ?? null) !== null).length
}

const cookbook = (plan: Plan, rule: ServerRule) => async (url: string) => {
  const result = await cookbookProcessor(plan.bodies, {
    maxRequestsPerMinute: plan.rpm,
    maxTokensPerMinute: plan.tpm,
    tokens: admissionTokens,
    call: (body) => chatCall(url, body),
    pauseAfterRateLimit: (15_000 * rule.window) / 10_000,
  })
  return result.failed
}

const DESCRIPTION =
  'The demo server answers after 100 ms and enforces the same per-minute limits (--rpm, --tpm) under ' +
  'each rule: reserve (prompt + max_tokens charged at admission, never refunded) or refund (corrected to ' +
  "the answer's usage), over 1 s or 10 s windows, fixed (quantized) or sliding; its headers announce the " +
  'per-minute limits. Each case starts at the start of a window (the server clock moved there). `boundkit ' +
  'llm` runs with its default settings (concurrency auto) and is timed from process start to exit. "x ideal": ' +
  "wall time / the best schedule the rule allows (whole windows of starts, each the window's budget of what " +
  "the rule charges, then one answer's latency). 429s are counted by the server."

/** Cases on one plan, each rule on its own server; `cookbook`: the cookbook's processor instead of `boundkit llm`. */
function llmBenchmark(
  title: string,
  shape: (ctx: BenchContext) => PlanShape,
  describe: string,
  rules: ServerRule[],
  cookbookRuns = 0,
) {
  let dir: string
  let plan: Plan
  const servers = new Map<ServerRule, ChatServer>()
  let runs = 0
  const cases: Record<string, () => Promise<unknown>> = {}
  for (const rule of rules) {
    cases[
      cookbookRuns > 0 ? `openai-cookbook processor, ${ruleName(rule)}` : `boundkit llm, ${ruleName(rule)}`
    ] = () =>
      measured(
        plan,
        rule,
        servers.get(rule)!,
        cookbookRuns > 0
          ? cookbook(plan, rule)
          : (url) => llmRun(plan, dir, url, join(dir, `llm-${runs++}.jsonl`)),
      )
  }
  return benchmark({
    title,
    description: `${describe} ${DESCRIPTION}`,
    runs: cookbookRuns > 0 ? cookbookRuns : 2,
    quickRuns: 1,
    warmup: 0,
    setup: async (ctx) => {
      plan = makePlan(shape(ctx))
      dir = await mkdtemp(join(tmpdir(), 'boundkit-llm-bench-'))
      await writeInputs(dir, plan)
      for (const rule of rules) servers.set(rule, await startChatServer(plan, rule))
    },
    teardown: async () => {
      for (const chat of servers.values()) await chat.server.close()
      servers.clear()
      await rm(dir, { recursive: true, force: true })
    },
    cases: cases as Parameters<typeof benchmark>[0]['cases'],
  })
}

const only = process.env.BOUNDKIT_BENCH_RULES?.split(';')
const rules = (QUICK ? allRules([1000]) : allRules()).filter((r) => !only || only.includes(ruleName(r)))
const cookbookRules = rules.filter((r) => r.accounting === 'reserve' && r.window === 10_000)
const RULES_TITLE = 'reserve or refund x 1 s or 10 s windows x fixed or sliding'
const SMALL =
  '200 chat requests (30 under --quick, 1 s windows only); the per-minute limits allow per 10 s (1 s quick) half the requests and 1/3.5 of the tokens the batch uses.'
const LARGE =
  '2,000 chat requests; the per-minute limits allow per 10 s a quarter of the requests and 1/7.5 of the tokens the batch uses.'

export default [
  llmBenchmark(
    `\`boundkit llm\` under every server rule (${RULES_TITLE}): 200 chat requests`,
    smallRun,
    SMALL,
    rules,
  ),
  ...(QUICK
    ? []
    : [
        llmBenchmark(
          'The openai-cookbook processor (its algorithm) on the reserve 10 s rules: 200 chat requests',
          smallRun,
          SMALL,
          cookbookRules,
          1,
        ),
        llmBenchmark(
          `\`boundkit llm\` under every server rule (${RULES_TITLE}): 2,000 chat requests`,
          largeRun,
          LARGE,
          rules,
        ),
        llmBenchmark(
          'The openai-cookbook processor (its algorithm) on the reserve 10 s rules: 2,000 chat requests',
          largeRun,
          LARGE,
          cookbookRules,
          1,
        ),
      ]),
]
