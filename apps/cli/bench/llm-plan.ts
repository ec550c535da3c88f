/**
 * What the `boundkit llm` benchmarks share: the chat requests, the demo server's per-minute limits
 * derived from them (tokens binding), the server's rules (accounting, window, fixed or sliding), the
 * ideal each rule allows, the built binary, and the server's own counts of 429s and tokens.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningServer, startServer } from '@boundkit/server'
import type { BenchContext } from '../../../bench/harness.ts'

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
export const MAX_TOKENS = 40
export const LATENCY = 100

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

export type ChatBody = ReturnType<typeof body>

/** The index of the request a body was built for (its conversation's id, `c<i>`). */
export function indexOf(chat: ChatBody): number {
  return Number((JSON.parse(chat.messages[0]!.content) as { id: string }).id.slice(1))
}

/** The server's own charge of a prompt (chars/4 per message + overheads), as its README gives it. */
export function promptTokens(b: ChatBody): number {
  return 2 + b.messages.reduce((sum, m) => sum + 4 + Math.ceil(m.content.length / 4), 0)
}

/** What the server charges a request at admission: its prompt and `max_tokens`. */
export const admissionTokens = (b: ChatBody) => promptTokens(b) + MAX_TOKENS

export interface PlanShape {
  n: number
  /** The server's window, in ms. */
  window: number
  /** The windows' worth of tokens the batch uses (the binding limit). */
  tokenWindows: number
  /** The windows' worth of requests the batch makes (fewer than its tokens' windows). */
  requestWindows: number
}

export type Plan = ReturnType<typeof makePlan>

/** The 200-request run: half the requests and 1/3.5 of the tokens per window (10 s; 1 s and 30 requests quick). */
export const smallRun = (ctx: BenchContext): PlanShape => ({
  n: ctx.scale(200, 30),
  window: ctx.scale(10_000, 1000),
  tokenWindows: 3.5,
  requestWindows: 2,
})

/** The 2,000-request run: a quarter of the requests and 1/7.5 of the tokens per window (quick: 40 requests, the 200's shape). */
export const largeRun = (ctx: BenchContext): PlanShape => ({
  n: ctx.scale(2000, 40),
  window: ctx.scale(10_000, 1000),
  tokenWindows: ctx.scale(7.5, 3.5),
  requestWindows: ctx.scale(4, 2),
})

/** How the demo server counts: when a charge is final, and the window its per-minute limits hold over. */
export interface ServerRule {
  accounting: 'reserve' | 'refund'
  window: number
  mode: 'fixed' | 'sliding'
}

export const ruleName = (rule: ServerRule) => `${rule.accounting}, ${rule.window / 1000} s ${rule.mode}`

/** Every rule: reserve or refund, x 1 s or 10 s windows, x fixed or sliding. */
export function allRules(windows: readonly number[] = [1000, 10_000]): ServerRule[] {
  return (['reserve', 'refund'] as const).flatMap((accounting) =>
    windows.flatMap((window) =>
      (['fixed', 'sliding'] as const).map((mode) => ({ accounting, window, mode })),
    ),
  )
}

export function makePlan({ n, window, tokenWindows, requestWindows }: PlanShape) {
  const bodies = Array.from({ length: n }, (_, i) => body(i))
  // The answers' content is about 90 characters: 23 completion tokens.
  const tokens = bodies.reduce((sum, b) => sum + promptTokens(b) + 23, 0)
  const admission = bodies.reduce((sum, b) => sum + admissionTokens(b), 0) / n
  const tokensPerWindow = Math.ceil(tokens / tokenWindows)
  const requestsPerWindow = Math.ceil(n / requestWindows)
  const perMinute = 60_000 / window
  return {
    n,
    window,
    bodies,
    rpm: requestsPerWindow * perMinute,
    tpm: tokensPerWindow * perMinute,
    tokensPerWindow,
    requestsPerWindow,
    /** `boundkit batch --rate`: the request and token limits as starts per window (admission charge). */
    ratePerWindow: Math.floor(Math.min(requestsPerWindow, tokensPerWindow / admission)),
    /** What the server charges the whole batch at admission (prompt + max_tokens each). */
    admitted: admission * n,
  }
}

/**
 * The best schedule `rule` allows for the batch in input order: whole windows of starts, each taking
 * the next requests while they fit its budgets (what the rule charges: prompt + max_tokens for
 * reserve; for refund, the tokens really used, `tokensUsed` spread over the answers as the server
 * counted them), then one answer's latency. Either rule admits a request only if its whole charge
 * (prompt + max_tokens) fits what the window holds; for refund, the window holds the earlier starts
 * as if each were already answered and corrected (the most any client could get).
 */
export function idealFor(plan: Plan, rule: ServerRule, tokensUsed: number): number {
  const perWindow = (perMinute: number) => Math.floor((perMinute * rule.window) / 60_000)
  const tokenRoom = perWindow(plan.tpm)
  const requestRoom = perWindow(plan.rpm)
  const prompts = plan.bodies.reduce((sum, b) => sum + promptTokens(b), 0)
  const completion = (tokensUsed - prompts) / plan.n
  let windows = 1
  let tokens = 0
  let requests = 0
  for (const b of plan.bodies) {
    const charge = rule.accounting === 'reserve' ? admissionTokens(b) : promptTokens(b) + completion
    if (tokens + admissionTokens(b) > tokenRoom || requests + 1 > requestRoom) {
      windows++
      tokens = 0
      requests = 0
    }
    tokens += charge
    requests++
  }
  return (windows - 1) * rule.window + LATENCY
}

/** Writes the Batch API request file (`requests.jsonl`) and the bare bodies (`bodies.jsonl`, for `batch`). */
export async function writeInputs(dir: string, plan: Plan): Promise<void> {
  const requests = plan.bodies.map((b, i) =>
    JSON.stringify({ custom_id: `r-${i}`, method: 'POST', url: '/v1/chat/completions', body: b }),
  )
  await writeFile(join(dir, 'requests.jsonl'), `${requests.join('\n')}\n`)
  await writeFile(join(dir, 'bodies.jsonl'), `${plan.bodies.map((b) => JSON.stringify(b)).join('\n')}\n`)
}

/** A duration as the `x-ratelimit-reset-*` headers give it (Go's: `12ms`, `7.991s`, `1m30.5s`), in ms. */
function goDurationMs(text: string): number {
  const ms = /^([\d.]+)ms$/.exec(text)
  if (ms) return Number(ms[1])
  const [, h = 0, m = 0, sec = 0] = /^(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?$/.exec(text) ?? []
  return ((Number(h) * 60 + Number(m)) * 60 + Number(sec)) * 1000
}

export interface ChatServer {
  url: string
  server: RunningServer
  /**
   * Moves the server's clock to the start of its next window, or (sliding) past the moment all it
   * counts has slid out (by what `x-ratelimit-reset-requests` says), so that a case starts at a
   * window's start with every budget whole.
   */
  startWindow(): Promise<void>
}

/**
 * The demo server enforcing the plan's limits under `rule` (default: the plan's window, fixed,
 * reserve), answering after 100 ms, no faults; its clock can jump ahead.
 */
export async function startChatServer(plan: Plan, rule?: ServerRule): Promise<ChatServer> {
  let shift = 0
  const server = await startServer({
    seed: 1,
    chatRpm: plan.rpm,
    chatTpm: plan.tpm,
    chatWindowMs: rule?.window ?? plan.window,
    chatWindowMode: rule?.mode ?? 'fixed',
    chatAccounting: rule?.accounting ?? 'reserve',
    judge: { latencyMs: LATENCY, latencyDistribution: 'fixed', faultRate: 0 },
    now: () => performance.now() + shift,
  })
  return {
    url: server.url,
    server,
    async startWindow() {
      // A request the schema refuses (400) is not charged, and carries the headers.
      const probe = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      await probe.arrayBuffer()
      // +1 ms: the header is rounded to the ms.
      shift += goDurationMs(probe.headers.get('x-ratelimit-reset-requests') ?? '0s') + 1
    },
  }
}

/** `boundkit llm` on the request file at the plan's limits. */
export function llmArgs(plan: Plan, dir: string, url: string, out: string): string[] {
  return [
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
  ]
}

/** Runs the built binary to its end and gives its stdout; a non-zero exit rejects with its stderr's tail. */
/** The longest one run may take: a run that stalls fails the benchmark instead of hanging it (and CI). */
export const RUN_TIMEOUT_MS = 10 * 60_000

export function runBinary(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { maxBuffer: 64 * 2 ** 20, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' as const }
    execFile(process.execPath, [MAIN, ...args], options, (error, stdout, stderr) => {
      if (error?.killed) {
        reject(
          new Error(`${args[0]} did not end within ${RUN_TIMEOUT_MS / 60_000} min: ${stderr.slice(-500)}`),
        )
      } else if (error && error.code !== 0) reject(new Error(`${args[0]} failed: ${stderr.slice(-500)}`))
      else resolve(stdout)
    })
  })
}

export async function readJsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = (await readFile(path, 'utf8')).trim()
  return text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
}

/** The server's counters: 429s, 200s and the tokens (prompt + completion) of the 200s. */
export async function serverCounts(server: RunningServer) {
  const lines = (await server.metrics.text()).split('\n')
  const sum = (prefix: string) =>
    lines
      .filter((l) => l.startsWith(prefix))
      .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
  return {
    rateLimited: sum('boundkit_chat_rate_limited_total'),
    ok: sum('boundkit_chat_requests_total{status="200"}'),
    tokens: sum('boundkit_chat_tokens_total'),
  }
}
