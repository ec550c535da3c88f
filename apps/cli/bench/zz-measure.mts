// Distributed `boundkit llm --redis --tpm` with two `boundkit worker`s against the demo server's 10 s
// windows (reserve), before (BIN_BEFORE) and after (BIN_AFTER): wall time against the ideal, and 429s.
// Usage: node --import tsx measure.ts <n> <fixed|sliding> <before|after>
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const WT = '/work/wt/lim'
const plan_ = await import(`${WT}/apps/cli/bench/llm-plan.ts`)
const { startRedis } = await import(`${WT}/packages/queue/test/redis.ts`)
const { makePlan, writeInputs, startChatServer, llmArgs, serverCounts, idealFor, readJsonLines } = plan_
const [n, mode, which] = [Number(process.argv[2]), process.argv[3] as 'fixed' | 'sliding', process.argv[4]]
const BIN = which === 'before' ? '/work/main/apps/cli/dist/main.js' : `${WT}/apps/cli/dist/main.js`
const plan = makePlan({ n, window: 10_000, tokenWindows: 3.5, requestWindows: 2 })
const rule = { accounting: 'reserve' as const, window: 10_000, mode }
const dir = await mkdtemp(join(tmpdir(), 'qw-measure-'))
await writeInputs(dir, plan)
const redis = await startRedis()
const chat = await startChatServer(plan, rule)
const run = (args: string[], waitFor?: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string; kill(): void }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const done = { code: null as number | null, stdout, stderr, kill: () => child.kill('SIGTERM') }
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => {
      stderr += c
      if (waitFor && stderr.includes(waitFor)) resolve(done)
    })
    child.on('exit', (code) => resolve({ ...done, code, stdout, stderr }))
  })
const queue = `m${Date.now()}`
const workers = [
  await run(['worker', '--redis', redis.url, '--queue', queue, '--concurrency', '8'], ' ready: '),
  await run(['worker', '--redis', redis.url, '--queue', queue, '--concurrency', '8'], ' ready: '),
]
const before = await serverCounts(chat.server)
await chat.startWindow()
const start = performance.now()
const out = join(dir, 'out.jsonl')
const result = await run([
  ...llmArgs(plan, dir, chat.url, out),
  '--redis',
  redis.url,
  '--queue',
  queue,
  '--json',
])
const ms = performance.now() - start
const after = await serverCounts(chat.server)
const lines = await readJsonLines(out)
const ideal = idealFor(plan, rule, after.tokens - before.tokens)
const summary = JSON.parse(result.stdout || '{}')
console.log(
  JSON.stringify({
    which,
    mode,
    n,
    tpm: plan.tpm,
    rpm: plan.rpm,
    code: result.code,
    wallMs: Math.round(ms),
    idealMs: ideal,
    xIdeal: +(ms / ideal).toFixed(2),
    server429: after.rateLimited - before.rateLimited,
    ok200: after.ok - before.ok,
    lines: lines.length,
    summaryOk: summary.ok,
    tokenWaits: summary.tokenWaits,
    cooldownMs: summary.cooldownMs,
  }),
)
for (const w of workers) w.kill()
await chat.server.close()
await redis.remove()
process.exit(0)
