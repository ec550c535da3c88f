import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { benchmark } from '../../../bench/harness.ts'
import { CountingProxy } from './counting-proxy.ts'
import {
  type ChatServer,
  idealFor,
  largeRun,
  llmArgs,
  MAIN,
  makePlan,
  type Plan,
  RUN_TIMEOUT_MS,
  readJsonLines,
  runBinary,
  startChatServer,
  writeInputs,
} from './llm-plan.ts'

// The resume cost of `boundkit llm`: killed with SIGKILL mid-run, then run again with --resume; the
// server (through a counting proxy) tells which requests it served in both runs.

/** The share of the output written when the first run is killed. */
const KILL_AT = 0.4

let dir: string
let plan: Plan
let chat: ChatServer
let runs = 0
/** The demo server's rule here: prompt + max_tokens charged at admission, fixed windows. */
const RULE = () => ({ accounting: 'reserve' as const, window: plan.window, mode: 'fixed' as const })

/** The custom_ids of the output's complete lines (a torn last line left out, as --resume cuts it). */
async function writtenIds(path: string): Promise<string[]> {
  const parts = (await readFile(path, 'utf8').catch(() => '')).split('\n')
  parts.pop()
  return parts.filter((p) => p !== '').map((p) => (JSON.parse(p) as { custom_id: string }).custom_id)
}

/** When the first run is killed: once the output holds `lines` lines, or `afterMs` after its start. */
type KillAt = { lines: number } | { afterMs: number }

/**
 * Runs `boundkit llm` until the kill moment, kills it with SIGKILL, and waits until the server has
 * answered every request it was sent. Resolves with the requests in flight at the kill: sent by the
 * client and not answered (those the proxy had read, and those it read after the kill).
 */
async function runAndKill(args: string[], out: string, at: KillAt, proxy: CountingProxy): Promise<number> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const started = performance.now()
  for (;;) {
    await sleep(20)
    if (child.exitCode !== null) throw new Error(`boundkit llm exited (${child.exitCode}) before the kill`)
    if (performance.now() - started > RUN_TIMEOUT_MS) {
      child.kill('SIGKILL')
      throw new Error(`boundkit llm had not reached its kill moment after ${RUN_TIMEOUT_MS / 60_000} min`)
    }
    if (
      'afterMs' in at ? performance.now() - started >= at.afterMs : (await writtenIds(out)).length >= at.lines
    )
      break
  }
  const onWire = proxy.onWire
  child.kill('SIGKILL')
  proxy.markKill()
  await exited
  // Requests already in the socket reach the server after the kill: give them time to arrive and end.
  await sleep(500)
  while (proxy.upstreamPending > 0) await sleep(20)
  return onWire + proxy.arrivedAfterKill
}

/** One resume case: the first run killed at `at` (a request held back by `stall`), then `--resume` to the end. */
async function resumeCase(at: KillAt, stall?: { index: number; retryAfterSeconds: number }) {
  const proxy = new CountingProxy(chat.url, stall)
  await proxy.listen()
  await chat.startWindow()
  const out = join(dir, `resume-${runs++}.jsonl`)
  try {
    const args = llmArgs(plan, dir, proxy.url, out)
    proxy.startRun()
    const inFlight = await runAndKill(args, out, at, proxy)
    const written = new Set(await writtenIds(out))
    proxy.startRun()
    await runBinary([...args, '--resume'])
    const [first, second] = proxy.served as [Map<number, number>, Map<number, number>]
    const servedTwice = [...first.keys()].filter((i) => second.has(i)).length
    const lines = await readJsonLines(out)
    const outOfPlace =
      Math.abs(lines.length - plan.n) + lines.filter((line, i) => line.custom_id !== `r-${i}`).length
    return {
      items: plan.n,
      metrics: {
        'lines at kill': written.size,
        'served at kill': first.size,
        'in flight at kill': inFlight,
        'served, not written at kill': [...first.keys()].filter((i) => !written.has(`r-${i}`)).length,
        'served twice': servedTwice,
        'target met (1 = yes)': servedTwice <= inFlight ? 1 : 0,
        'out of place': outOfPlace,
      },
    }
  } finally {
    await proxy.close()
  }
}

export default benchmark({
  title: '`boundkit llm` resume cost: `kill -9` mid-run, then `--resume`',
  description:
    'The 2,000 chat requests and limits of the 2,000-request benchmark (40 requests under --quick), the ' +
    `first run started at the start of a server window, through a proxy that records, per request, each 200 the demo server gave in each run. The ` +
    `first run is killed with SIGKILL at one of three moments: once ${KILL_AT * 100}% of the output lines are written; 4 s in while the ` +
    'first record waits out a 503 with Retry-After: 8 (1.5 s and 3 s under --quick), every later answer waiting behind it; at a random ' +
    'moment of the run. The second runs with --resume to the end. "in flight at kill": requests the client had sent and not been answered. ' +
    '"served, not written at kill": requests the server answered 200 in the first run (before the kill or ' +
    'in flight at it) whose line the output file did not hold after the kill. "served twice": requests ' +
    'answered 200 in both runs. Target: served twice <= in flight at kill, whatever the moment (an answer waiting ' +
    "for an earlier record's is in the journal on disk). 'out of place': output " +
    'lines that are not r-0, r-1, ... once each, in order (0 = every custom_id exactly once, in order).',
  runs: 2,
  quickRuns: 1,
  warmup: 0,
  setup: async (ctx) => {
    plan = makePlan(largeRun(ctx))
    dir = await mkdtemp(join(tmpdir(), 'boundkit-llm-resume-bench-'))
    await writeInputs(dir, plan)
    chat = await startChatServer(plan)
  },
  teardown: async () => {
    await chat?.server.close()
    await rm(dir, { recursive: true, force: true })
  },
  cases: {
    'kill -9 at 40% of the lines': () => resumeCase({ lines: Math.ceil(plan.n * KILL_AT) }),
    // The moment: the first record answered 503 with Retry-After: 8 while the others are
    // answered; 4 s in, hundreds of answers wait in memory behind it (on disk in the journal).
    'kill -9 4 s in, while r-0 waits out a 503 Retry-After: 8': () =>
      resumeCase(
        { afterMs: plan.window >= 10_000 ? 4000 : 1500 },
        { index: 0, retryAfterSeconds: plan.window >= 10_000 ? 8 : 3 },
      ),
    'kill -9 at a random moment of the run': () =>
      resumeCase({
        afterMs: Math.round(500 + Math.random() * (idealFor(plan, RULE(), plan.admitted) - 500)),
      }),
  },
})
