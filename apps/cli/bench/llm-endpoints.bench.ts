import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, benchmark } from '../../../bench/harness.ts'
import { CountingProxy } from './counting-proxy.ts'
import {
  admissionTokens,
  type ChatServer,
  idealFor,
  LATENCY,
  makePlan,
  type Plan,
  readJsonLines,
  runBinary,
  type ServerRule,
  serverCounts,
  startChatServer,
  writeInputs,
} from './llm-plan.ts'

// `boundkit llm --endpoints` over two demo servers with limits L1 and L2 (2/3 and 1/3 of L): the wall
// time against the best schedule L1 + L2 allows, and the 429s; then the larger one answering only
// 503 from the middle of the run: nothing lost, the other takes the rest.

const RULE = (ctx: BenchContext): ServerRule => ({
  accounting: 'reserve',
  window: ctx.scale(10_000, 1000),
  mode: 'fixed',
})

/** 200 requests (30 quick): L per 10 s (1 s quick) allows half the requests and 1/3.5 of the tokens. */
const shape = (ctx: BenchContext) => ({
  n: ctx.scale(200, 30),
  window: ctx.scale(10_000, 1000),
  tokenWindows: 3.5,
  requestWindows: 2,
})

/** The plan's per-minute limits split 2 : 1 between the two endpoints. */
function split(plan: Plan): [Plan, Plan] {
  const rpm = Math.round((plan.rpm * 2) / 3)
  const tpm = Math.round((plan.tpm * 2) / 3)
  return [
    { ...plan, rpm, tpm },
    { ...plan, rpm: plan.rpm - rpm, tpm: plan.tpm - tpm },
  ]
}

/**
 * The best in-order schedule when the first endpoint stops at `downAt` (ms): whole windows of starts,
 * each within L1 + L2 while both serve, then within L2 alone; then one answer's latency.
 */
function failoverIdeal(plan: Plan, second: Plan, rule: ServerRule, downAt: number): number {
  const perWindow = (perMinute: number) => Math.floor((perMinute * rule.window) / 60_000)
  let window = 0
  let tokens = 0
  let requests = 0
  for (const body of plan.bodies) {
    const both = window * rule.window < downAt
    const tokenRoom = perWindow(both ? plan.tpm : second.tpm)
    const requestRoom = perWindow(both ? plan.rpm : second.rpm)
    if (tokens + admissionTokens(body) > tokenRoom || requests + 1 > requestRoom) {
      window++
      tokens = 0
      requests = 0
    }
    tokens += admissionTokens(body)
    requests++
  }
  return window * rule.window + LATENCY
}

interface Setup {
  dir: string
  plan: Plan
  rule: ServerRule
  servers: [ChatServer, ChatServer]
  /** In front of the first server: answers 503 once told to. */
  proxy: CountingProxy
  runs: number
}

/** `boundkit llm --endpoints` over the two servers (the first through the proxy); every custom_id once, in order. */
async function llmRun(s: Setup): Promise<{ ms: number; json: Record<string, unknown> }> {
  const [first, second] = split(s.plan)
  const file = join(s.dir, 'endpoints.json')
  await writeFile(
    file,
    JSON.stringify({
      endpoints: [
        { name: 'L1', baseUrl: `${s.proxy.url}/v1`, rpm: first.rpm, tpm: first.tpm },
        { name: 'L2', baseUrl: `${s.servers[1].url}/v1`, rpm: second.rpm, tpm: second.tpm },
      ],
    }),
  )
  const out = join(s.dir, `out-${s.runs++}.jsonl`)
  const args = ['llm', join(s.dir, 'requests.jsonl'), '--out', out, '--endpoints', file]
  const start = performance.now()
  const stdout = await runBinary([...args, '--max-attempts', '30', '--json'])
  const ms = performance.now() - start
  const lines = await readJsonLines(out)
  if (
    lines.length !== s.plan.n ||
    lines.some((line, i) => line.custom_id !== `r-${i}` || line.error !== null)
  ) {
    throw new Error('boundkit llm --endpoints: not every request answered exactly once, in order')
  }
  return { ms, json: JSON.parse(stdout) as Record<string, unknown> }
}

/** One case: both servers at the start of a window, the run, and what the servers counted. */
async function measured(s: Setup, downAt: number | undefined) {
  const before = await Promise.all(s.servers.map((chat) => serverCounts(chat.server)))
  await Promise.all(s.servers.map((chat) => chat.startWindow()))
  s.proxy.down = false
  const downAnswers = s.proxy.downAnswers
  const timer = downAt === undefined ? undefined : setTimeout(() => (s.proxy.down = true), downAt)
  const { ms, json } = await llmRun(s).finally(() => clearTimeout(timer))
  const after = await Promise.all(s.servers.map((chat) => serverCounts(chat.server)))
  const diff = (key: 'ok' | 'rateLimited' | 'tokens') =>
    after[0]![key] - before[0]![key] + after[1]![key] - before[1]![key]
  if (diff('ok') !== s.plan.n)
    throw new Error(`the servers answered ${diff('ok')} requests with 200, not ${s.plan.n}`)
  const ideal =
    downAt === undefined
      ? idealFor(s.plan, s.rule, diff('tokens'))
      : failoverIdeal(s.plan, split(s.plan)[1], s.rule, downAt)
  const endpoints = json.endpoints as { requests: number; drains: number }[]
  return {
    items: s.plan.n,
    metrics: {
      'x ideal': ms / ideal,
      'ideal ms': ideal,
      '429s': diff('rateLimited'),
      '429 % of requests': (100 * diff('rateLimited')) / (diff('rateLimited') + s.plan.n),
      'L1 share %': (100 * (after[0]!.ok - before[0]!.ok)) / s.plan.n,
      '503s': s.proxy.downAnswers - downAnswers,
      drains: endpoints[0]!.drains,
    },
  }
}

let setup: Setup | undefined

export default benchmark({
  title:
    '`boundkit llm --endpoints`: two endpoints with limits L1 and L2 (2 : 1), and one down from the middle',
  description:
    'Two demo servers answer after 100 ms and enforce L1 and L2 (2/3 and 1/3 of per-minute limits L, tokens ' +
    'binding, charged at admission, 10 s fixed windows; 1 s under --quick); the endpoints file gives each its ' +
    'own limits. 200 chat requests (30 quick): L per window allows half the requests and 1/3.5 of the tokens. ' +
    '"x ideal": wall time (process start to exit) / the best in-order schedule L1 + L2 allow (whole windows ' +
    'of starts, then one latency); for "L1 down", L1 answers only 503 from half the ideal time on, and the ' +
    'ideal is L1 + L2 until then and L2 alone after. Every custom_id is checked once, in order, without error; ' +
    '429s and 200s are counted by the servers.',
  runs: 2,
  quickRuns: 1,
  warmup: 0,
  setup: async (ctx) => {
    const plan = makePlan(shape(ctx))
    const rule = RULE(ctx)
    const dir = await mkdtemp(join(tmpdir(), 'boundkit-endpoints-bench-'))
    await writeInputs(dir, plan)
    const [first, second] = split(plan)
    const servers: [ChatServer, ChatServer] = [
      await startChatServer(first, rule),
      await startChatServer(second, rule),
    ]
    const proxy = new CountingProxy(servers[0].url)
    await proxy.listen()
    proxy.startRun()
    setup = { dir, plan, rule, servers, proxy, runs: 0 }
  },
  teardown: async () => {
    if (setup === undefined) return
    await setup.proxy.close()
    for (const chat of setup.servers) await chat.server.close()
    await rm(setup.dir, { recursive: true, force: true })
    setup = undefined
  },
  cases: {
    'two endpoints, L1 + L2': () => measured(setup!, undefined),
    'L1 down (only 503s) from the middle': () =>
      measured(setup!, idealFor(setup!.plan, setup!.rule, setup!.plan.admitted) / 2),
  },
})
