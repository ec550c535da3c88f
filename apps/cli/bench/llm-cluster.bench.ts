import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, benchmark } from '../../../bench/harness.ts'
import { startRedis, type TestRedis } from '../../../packages/queue/test/redis.ts'
import {
  type ChatServer,
  idealFor,
  llmArgs,
  MAIN,
  makePlan,
  type Plan,
  readJsonLines,
  runBinary,
  type ServerRule,
  serverCounts,
  startChatServer,
  writeInputs,
} from './llm-plan.ts'

// `boundkit llm --redis --tpm` with two `boundkit worker`s (concurrency 8 each) against the demo server's
// 10 s windows (1 s under --quick), reserve accounting, fixed and sliding: the cluster's shared token
// window against the best schedule the rule allows, and the 429s.

const WORKERS = 2

/** 400 requests (40 quick): per window, half the requests and 1/3.5 of the tokens the batch uses. */
const shape = (ctx: BenchContext) => ({
  n: ctx.scale(400, 40),
  window: ctx.scale(10_000, 1000),
  tokenWindows: 3.5,
  requestWindows: 2,
})

/** A `boundkit worker` on `queue`, once it says it is ready. */
function startWorker(redis: string, queue: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const args = ['worker', '--redis', redis, '--queue', queue, '--concurrency', '8']
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk
      if (stderr.includes(' ready: ')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`boundkit worker ended (${code}): ${stderr.slice(-500)}`)))
  })
}

interface Setup {
  dir: string
  plan: Plan
  redis: TestRedis
  chats: Map<ServerRule['mode'], ChatServer>
  runs: number
}

let setup: Setup | undefined

async function measured(s: Setup, rule: ServerRule) {
  const chat = s.chats.get(rule.mode)!
  // A queue of its own for each run, and its workers.
  const queue = `cluster-bench-${s.runs}`
  const out = join(s.dir, `out-${s.runs++}.jsonl`)
  const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorker(s.redis.url, queue)))
  try {
    const before = await serverCounts(chat.server)
    await chat.startWindow()
    const start = performance.now()
    await runBinary([...llmArgs(s.plan, s.dir, chat.url, out), '--redis', s.redis.url, '--queue', queue])
    const ms = performance.now() - start
    const after = await serverCounts(chat.server)
    const lines = await readJsonLines(out)
    if (
      lines.length !== s.plan.n ||
      lines.some((line, i) => line.custom_id !== `r-${i}` || line.error !== null)
    ) {
      throw new Error('boundkit llm --redis: not every request answered exactly once, in order')
    }
    const ok = after.ok - before.ok
    if (ok !== s.plan.n) throw new Error(`the server answered ${ok} requests with 200, not ${s.plan.n}`)
    const rateLimited = after.rateLimited - before.rateLimited
    const ideal = idealFor(s.plan, rule, after.tokens - before.tokens)
    return {
      items: s.plan.n,
      metrics: {
        'x ideal': ms / ideal,
        'ideal ms': ideal,
        '429s': rateLimited,
        '429 % of requests': (100 * rateLimited) / (rateLimited + ok),
      },
    }
  } finally {
    for (const worker of workers) worker.kill('SIGTERM')
  }
}

export default benchmark({
  title: '`boundkit llm --redis --tpm`: two workers sharing the token window, 10 s windows (reserve)',
  description:
    'The demo server answers after 100 ms and enforces per-minute limits over 10 s windows (1 s under ' +
    '--quick), fixed or sliding, tokens charged at admission (prompt + max_tokens) and never refunded. ' +
    '400 chat requests (40 quick); per window the limits allow half the requests and 1/3.5 of the tokens. ' +
    'The producer (`boundkit llm --redis --rpm --tpm`) and two `boundkit worker`s at concurrency 8 share ' +
    "one Redis (a real redis-server); the workers learn the server's window from its reset headers and " +
    'share one token window. "x ideal": wall time (producer start to exit) / the best schedule the rule ' +
    "allows (whole windows of starts, then one answer's latency). Every custom_id is checked once, in order; " +
    '429s and 200s are counted by the server.',
  runs: 2,
  quickRuns: 1,
  warmup: 0,
  setup: async (ctx) => {
    const plan = makePlan(shape(ctx))
    const dir = await mkdtemp(join(tmpdir(), 'boundkit-cluster-bench-'))
    await writeInputs(dir, plan)
    const redis = await startRedis()
    const chats = new Map<ServerRule['mode'], ChatServer>()
    for (const mode of ['fixed', 'sliding'] as const) {
      chats.set(mode, await startChatServer(plan, { accounting: 'reserve', window: plan.window, mode }))
    }
    setup = { dir, plan, redis, chats, runs: 0 }
  },
  teardown: async () => {
    if (setup === undefined) return
    for (const chat of setup.chats.values()) await chat.server.close()
    await setup.redis.remove()
    await rm(setup.dir, { recursive: true, force: true })
    setup = undefined
  },
  cases: {
    'two workers, reserve, fixed': () =>
      measured(setup!, { accounting: 'reserve', window: setup!.plan.window, mode: 'fixed' }),
    'two workers, reserve, sliding': () =>
      measured(setup!, { accounting: 'reserve', window: setup!.plan.window, mode: 'sliding' }),
  },
})
