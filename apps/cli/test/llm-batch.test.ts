import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { type RunningServer, type ServerOptions, startServer } from '@boundkit/server'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { holdingProxy } from './holding-proxy'
import { lines, waitForLines } from './output-lines'
import { boundkit, printedResume, start, startLine, stderrShows } from './run-cli'

// `boundkit llm --via batch` and `--deadline` end to end: the built binary against the demo server's
// /v1/files and /v1/batches (and /v1/chat/completions for the live lane).
let dir: string
let server: RunningServer | undefined

/** A demo server whose batch clock the test moves (`clock.offset`), and nothing else waits. */
async function demo(options: ServerOptions = {}) {
  const clock = { offset: 0 }
  server = await startServer({
    seed: 3,
    judge: { latencyDistribution: 'fixed', latencyMs: 1, faultRate: 0 },
    now: () => performance.now() + clock.offset,
    ...options,
  })
  return { clock, baseUrl: `${server.url}/v1` }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-llm-batch-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A Batch API request line of a judge conversation. */
function requestLine(i: number): string {
  const conversation = {
    id: `c${i}`,
    question: `What is ${i}?`,
    contexts: [`${i} is a number.`],
    answer: `${i}.`,
  }
  return JSON.stringify({
    custom_id: `r-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'demo',
      messages: [{ role: 'user', content: JSON.stringify(conversation) }],
      max_tokens: 40,
    },
  })
}

async function requestFile(name: string, count: number): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${Array.from({ length: count }, (_, i) => requestLine(i)).join('\n')}\n`)
  return path
}

const llm = (input: string, out: string, baseUrl: string, ...rest: string[]) =>
  boundkit('llm', input, '--out', out, '--base-url', baseUrl, '--poll', '20ms', ...rest)

const ids = (count: number) => Array.from({ length: count }, (_, i) => `r-${i}`)

/** A batch as the server lists it (the fields the tests read). */
interface Batch {
  id: string
  request_counts: { total: number }
  input_file_id: string
  output_file_id: string | null
}

/** The server's batches, newest first. */
async function batches(baseUrl: string): Promise<Batch[]> {
  const response = await fetch(`${baseUrl}/batches?limit=100`)
  return ((await response.json()) as { data: Batch[] }).data
}

/** An output line with what differs from run to run (ids, times) put aside. */
const shape = (line: string) =>
  line
    .replace(/chatcmpl-[0-9a-f]+/g, 'ID')
    .replace(/"created":\d+/, '"created":0')
    .replace(/"ms":[\d.]+/, '"ms":0')

const PRICE = ['--price', 'in=1000,out=1000', '--json']

/** The files a run keeps beside its output while batches are under way (state, request files). */
async function keptFiles(out: string): Promise<string[]> {
  const name = basename(out)
  return (await readdir(dirname(out))).filter((file) => file.startsWith(`${name}.batch`))
}

describe('boundkit llm --via batch against the demo server', () => {
  it('writes the same lines as a live run, in input order, at half the cost, and leaves no state behind', async () => {
    const { baseUrl } = await demo()
    const input = await requestFile('same.jsonl', 6)
    const liveOut = join(dir, 'same-live.jsonl')
    const batchOut = join(dir, 'same-batch.jsonl')
    const live = await llm(input, liveOut, baseUrl, ...PRICE)
    const batch = await llm(input, batchOut, baseUrl, '--via', 'batch', ...PRICE)
    expect(live.code).toBe(0)
    expect(batch.code).toBe(0)
    // The server lists a batch's answers latest first: the output is back in input order.
    expect((await lines(batchOut)).map((line) => line.custom_id)).toEqual(ids(6))
    const liveText = (await readFile(liveOut, 'utf8')).trimEnd().split('\n')
    const batchText = (await readFile(batchOut, 'utf8')).trimEnd().split('\n')
    expect(batchText.map(shape)).toEqual(liveText.map(shape))
    const cost = (result: { stdout: string }) => (JSON.parse(result.stdout) as { costUsd: number }).costUsd
    expect(cost(live)).toBeGreaterThan(0)
    expect(cost(batch)).toBeCloseTo(cost(live) / 2, 10)
    expect(existsSync(`${batchOut}.batch.json`)).toBe(false)
    const [made, ...others] = await batches(baseUrl)
    expect(others).toEqual([])
    // Its lines written, the batch's files are deleted at the API.
    for (const id of [made?.input_file_id, made?.output_file_id]) {
      expect((await fetch(`${baseUrl}/files/${id}`)).status).toBe(404)
    }
  })

  it('a batch of 20,000 answered at once: every line written (more than the writer holds waiting for room)', async () => {
    const { baseUrl } = await demo()
    const input = await requestFile('many.jsonl', 20_000)
    const out = join(dir, 'many.jsonl.out')
    const result = await llm(input, out, baseUrl, '--via', 'batch')
    expect(result.stderr).not.toContain('ERR_CLOSED')
    expect(result.code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(20_000))
    expect((await batches(baseUrl)).map((batch) => batch.request_counts.total)).toEqual([20_000])
  })

  it('a batch that expires: the done part answered, the rest batch_expired (exit 1), then sent again as a new batch with --retry-failed', async () => {
    const { clock, baseUrl } = await demo({ batches: { runMs: 100_000, expireMs: 60_000 } })
    const input = await requestFile('expire.jsonl', 4)
    const out = join(dir, 'expire.jsonl.out')
    const run = start('llm', input, '--out', out, '--base-url', baseUrl, '--poll', '20ms', '--via', 'batch')
    await stderrShows(run.child, 'in_progress')
    // Past the window: 60 s of 100 s, the first 2 of 4 requests were answered.
    clock.offset += 3_600_000
    const result = await run.done
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('expired')
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(4))
    expect(written.map((line) => (line.error as { code?: string } | null)?.code ?? 'ok')).toEqual([
      'ok',
      'ok',
      'batch_expired',
      'batch_expired',
    ])
    expect(written[2]).toMatchObject({ id: null, response: null })
    expect(existsSync(`${out}.batch.json`)).toBe(false)
    // Sent again as a new batch: only the 2 that failed are uploaded, the answered ones stay as they are.
    // It expires too (every batch of this server runs past its window): 1 of its 2 answered.
    const again = start(
      ...['llm', input, '--out', out, '--base-url', baseUrl, '--poll', '20ms'],
      ...['--via', 'batch', '--resume', '--retry-failed'],
    )
    await stderrShows(again.child, 'in_progress')
    clock.offset += 3_600_000
    expect((await again.done).code).toBe(1)
    const final = await lines(out)
    expect(final.map((line) => line.custom_id)).toEqual(ids(4))
    expect(final.map((line) => (line.error as { code?: string } | null)?.code ?? 'ok')).toEqual([
      'ok',
      'ok',
      'ok',
      'batch_expired',
    ])
    expect(final.slice(0, 2)).toEqual(written.slice(0, 2))
    expect((await batches(baseUrl)).map((batch) => batch.request_counts.total)).toEqual([2, 4])
  })

  it('a batch that fails validation: a coded error naming the reason, exit 2, nothing written', async () => {
    const { baseUrl } = await demo({ batches: { tokenLimit: 100 } })
    const input = await requestFile('invalid.jsonl', 5)
    const out = join(dir, 'invalid.jsonl.out')
    const result = await llm(input, out, baseUrl, '--via', 'batch')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('ERR_BATCH_INVALID')
    expect(result.stderr).toContain('token_limit_exceeded')
    expect(await lines(out)).toEqual([])
    expect(existsSync(`${out}.batch.json`)).toBe(false)
  })

  it('requests for two endpoints: a usage error before anything is uploaded', async () => {
    const { baseUrl } = await demo()
    const input = join(dir, 'endpoints.jsonl')
    const embedding = {
      custom_id: 'e-1',
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'e', input: 'x' },
    }
    await writeFile(input, `${requestLine(0)}\n${JSON.stringify(embedding)}\n`)
    const out = join(dir, 'endpoints.jsonl.out')
    const result = await llm(input, out, baseUrl, '--via', 'batch')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('ERR_BATCH_ENDPOINTS')
    expect(await keptFiles(out)).toEqual([])
    expect(await batches(baseUrl)).toEqual([])
  })

  it('killed with SIGKILL while it polls, --resume collects the same batch: no second batch, every line once, in order', async () => {
    const { clock, baseUrl } = await demo({ batches: { runMs: 3_600_000 } })
    const input = await requestFile('kill.jsonl', 5)
    const out = join(dir, 'kill.jsonl.out')
    const first = start('llm', input, '--out', out, '--base-url', baseUrl, '--poll', '20ms', '--via', 'batch')
    await stderrShows(first.child, 'in_progress')
    first.child.kill('SIGKILL')
    expect((await first.done).signal).toBe('SIGKILL')
    const state = JSON.parse(await readFile(`${out}.batch.json`, 'utf8')) as {
      batches: { batchId: string }[]
    }
    const batchId = state.batches[0]?.batchId
    expect((await batches(baseUrl)).map((batch) => batch.id)).toEqual([batchId])
    // Without --resume, the batch under way is not forgotten: a usage error says how to collect it.
    const refused = await llm(input, out, baseUrl, '--via', 'batch')
    expect(refused.code).toBe(2)
    // Nor sent live: those requests would be paid for twice.
    const live = await llm(input, out, baseUrl, '--resume')
    expect(live.code).toBe(2)
    expect(live.stderr).toContain('--resume --via batch')
    clock.offset += 3_600_000
    const resumed = await llm(input, out, baseUrl, '--via', 'batch', '--resume')
    expect(resumed.code).toBe(0)
    expect(resumed.stderr).toContain(batchId)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(5))
    expect((await batches(baseUrl)).map((batch) => batch.id)).toEqual([batchId])
    expect(existsSync(`${out}.batch.json`)).toBe(false)
    // A state left by a run that ended after writing every line: nothing to collect, the state goes.
    await writeFile(`${out}.batch.json`, JSON.stringify(state))
    const done = await llm(input, out, baseUrl, '--via', 'batch', '--resume')
    expect(done.code).toBe(0)
    expect(existsSync(`${out}.batch.json`)).toBe(false)
    expect(await batches(baseUrl)).toHaveLength(1)
  })

  it('Ctrl-C while it polls: exit 130, nothing written, the printed command collects the same batch', async () => {
    const { clock, baseUrl } = await demo({ batches: { runMs: 3_600_000 } })
    const input = await requestFile('sigint.jsonl', 3)
    const out = join(dir, 'sigint.jsonl.out')
    const first = start('llm', input, '--out', out, '--base-url', baseUrl, '--poll', '20ms', '--via', 'batch')
    await stderrShows(first.child, 'in_progress')
    first.child.kill('SIGINT')
    const interrupted = await first.done
    expect(interrupted.code).toBe(130)
    expect(interrupted.stderr).toContain('--resume collects it')
    expect(await lines(out)).toEqual([])
    expect(existsSync(`${out}.batch.json`)).toBe(true)
    clock.offset += 3_600_000
    const resumed = await startLine(printedResume(interrupted.stderr)).done
    expect(resumed.code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(3))
    expect(await batches(baseUrl)).toHaveLength(1)
  })

  it('a batch cut short by --max-cost, resumed with more room or less: nothing paid twice, nothing unsent written failed', async () => {
    const { clock, baseUrl } = await demo({ batches: { runMs: 3_600_000 } })
    const input = await requestFile('cut.jsonl', 6)
    const out = join(dir, 'cut.jsonl.out')
    const price = ['--price', 'in=1000,out=1000']
    const plan = await llm(input, join(dir, 'cut-plan.jsonl'), baseUrl, ...price, '--dry-run', '--json')
    const worst = (JSON.parse(plan.stdout) as { costUsd: { max: number } }).costUsd.max
    // Room for about 2 of the 6 at half price: the batch takes those, then the run is killed while it polls.
    const cap = String((worst / 6) * 1.1)
    const args = ['--out', out, '--base-url', baseUrl, '--poll', '20ms', '--via', 'batch', ...price]
    const first = start('llm', input, ...args, '--max-cost', cap)
    await stderrShows(first.child, 'in_progress')
    first.child.kill('SIGKILL')
    await first.done
    const [batch] = await batches(baseUrl)
    const taken = batch!.request_counts.total
    expect(taken).toBeGreaterThanOrEqual(1)
    expect(taken).toBeLessThan(6)
    clock.offset += 3_600_000
    // Resumed with the cap: the batch's answers written, the records it does not hold left unwritten.
    const resumed = await llm(input, out, baseUrl, '--via', 'batch', ...price, '--resume')
    expect(resumed.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(taken))
    expect(written.every((line) => line.error === null)).toBe(true)
    // The rest go as a second batch of only those.
    clock.offset += 3_600_000
    const rest = start('llm', input, ...args, '--resume')
    await stderrShows(rest.child, 'in_progress')
    clock.offset += 3_600_000
    expect((await rest.done).code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(6))
    const all = await batches(baseUrl)
    expect(all.map((b) => b.request_counts.total).sort()).toEqual([6 - taken, taken].sort())
  })

  it('--max-cost counts a batch request at half its live price: a cap that stops a live run lets the batch take all', async () => {
    const { baseUrl } = await demo()
    const input = await requestFile('budget.jsonl', 6)
    const price = ['--price', 'in=1000,out=1000']
    const plan = await llm(input, join(dir, 'budget-plan.jsonl'), baseUrl, ...price, '--dry-run', '--json')
    const worst = (JSON.parse(plan.stdout) as { costUsd: { max: number } }).costUsd.max
    // Room for every request at half price (with the margin --max-cost keeps on prompts), not at full.
    const cap = String(worst * 0.75)
    const live = await llm(input, join(dir, 'budget-live.jsonl'), baseUrl, ...price, '--max-cost', cap)
    expect(live.code).toBe(3)
    const out = join(dir, 'budget-batch.jsonl')
    const batch = await llm(input, out, baseUrl, ...price, '--max-cost', cap, '--via', 'batch')
    expect(batch.code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(6))
  })
})

describe('boundkit llm --via batch splits a run the Batch API cannot take as one batch', () => {
  const totals = async (baseUrl: string) =>
    (await batches(baseUrl)).map((batch) => batch.request_counts.total).sort((a, b) => a - b)

  it('12 records, 5 a batch: 3 batches, the same lines as a live run in input order, half the cost; the dry run says 3', async () => {
    const { baseUrl } = await demo({ batches: { maxRequests: 5 } })
    const input = await requestFile('split.jsonl', 12)
    // As one batch, the server refuses it as OpenAI refuses a file past its limit.
    const whole = await llm(input, join(dir, 'split-whole.jsonl'), baseUrl, '--via', 'batch')
    expect(whole.code).toBe(2)
    expect(whole.stderr).toContain('ERR_BATCH_INVALID')
    expect(whole.stderr).toContain('at most 5 requests')
    const plan = await llm(
      input,
      join(dir, 'split-plan.jsonl'),
      baseUrl,
      '--via',
      'batch',
      '--batch-size',
      '5',
      '--dry-run',
    )
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('12 through the Batch API (input lines up to 12) in 3 batches')
    const planJson = await llm(
      ...[input, join(dir, 'split-plan.jsonl'), baseUrl],
      ...['--via', 'batch', '--batch-size', '5', '--dry-run', '--json'],
    )
    expect((JSON.parse(planJson.stdout) as { split: { batches: number } }).split.batches).toBe(3)
    const liveOut = join(dir, 'split-live.jsonl')
    const batchOut = join(dir, 'split-batch.jsonl')
    const live = await llm(input, liveOut, baseUrl, ...PRICE)
    const made = (await batches(baseUrl)).length
    const batch = await llm(input, batchOut, baseUrl, '--via', 'batch', '--batch-size', '5', ...PRICE)
    expect(live.code).toBe(0)
    expect(batch.code).toBe(0)
    expect((await batches(baseUrl)).length - made).toBe(3)
    expect((await batches(baseUrl)).slice(0, 3).map((b) => b.request_counts.total)).toEqual([2, 5, 5])
    expect((await lines(batchOut)).map((line) => line.custom_id)).toEqual(ids(12))
    const liveText = (await readFile(liveOut, 'utf8')).trimEnd().split('\n')
    const batchText = (await readFile(batchOut, 'utf8')).trimEnd().split('\n')
    expect(batchText.map(shape)).toEqual(liveText.map(shape))
    const cost = (result: { stdout: string }) => (JSON.parse(result.stdout) as { costUsd: number }).costUsd
    expect(cost(batch)).toBeCloseTo(cost(live) / 2, 10)
    expect(await keptFiles(batchOut)).toEqual([])
    // Every batch's files are deleted at the API once the lines are written.
    for (const made of (await batches(baseUrl)).slice(0, 3)) {
      for (const id of [made.input_file_id, made.output_file_id]) {
        expect((await fetch(`${baseUrl}/files/${id}`)).status).toBe(404)
      }
    }
  })

  it('--batch-bytes: no batch file passes it; the dry run says how many batches, the run makes that many', async () => {
    const { baseUrl } = await demo()
    const input = await requestFile('bytes.jsonl', 12)
    const args = ['--via', 'batch', '--batch-bytes', '1KiB']
    const plan = await llm(input, join(dir, 'bytes-plan.jsonl'), baseUrl, ...args, '--dry-run', '--json')
    const planned = (JSON.parse(plan.stdout) as { split: { batches: number } }).split.batches
    expect(planned).toBeGreaterThan(1)
    const out = join(dir, 'bytes.jsonl.out')
    expect((await llm(input, out, baseUrl, ...args)).code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(12))
    const made = await batches(baseUrl)
    expect(made).toHaveLength(planned)
    const lineBytes = (await readFile(input, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => line.length + 1)
    expect(Math.max(...made.map((b) => b.request_counts.total)) * Math.min(...lineBytes)).toBeLessThanOrEqual(
      1024,
    )
  })

  it('Ctrl-C while 3 batches run: exit 130, the printed command collects all 3 and makes no other', async () => {
    const { clock, baseUrl } = await demo({ batches: { runMs: 3_600_000, maxRequests: 5 } })
    const input = await requestFile('split-sigint.jsonl', 12)
    const out = join(dir, 'split-sigint.jsonl.out')
    const first = start(
      ...['llm', input, '--out', out, '--base-url', baseUrl, '--poll', '20ms'],
      ...['--via', 'batch', '--batch-size', '5'],
    )
    await stderrShows(first.child, 'in_progress')
    first.child.kill('SIGINT')
    const interrupted = await first.done
    expect(interrupted.code).toBe(130)
    expect(await lines(out)).toEqual([])
    expect(await totals(baseUrl)).toEqual([2, 5, 5])
    clock.offset += 3_600_000
    const resumed = await startLine(printedResume(interrupted.stderr)).done
    expect(resumed.code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(12))
    expect(await totals(baseUrl)).toEqual([2, 5, 5])
    expect(await keptFiles(out)).toEqual([])
  })

  it.each([
    ['between the first batch and the second upload', { method: 'POST', path: '/v1/files', forward: false }],
    [
      'after the second upload, before its batch is created',
      { method: 'POST', path: '/v1/batches', forward: false },
    ],
    [
      'after the second batch is created, before its id is kept',
      { method: 'POST', path: '/v1/batches', forward: true },
    ],
  ])(
    'killed with SIGKILL %s, --resume collects every batch created, creates the missing ones, pays nothing twice',
    async (_, hold) => {
      const { baseUrl } = await demo({ batches: { maxRequests: 5 } })
      const proxy = await holdingProxy(server?.url as string, { ...hold, nth: 2 })
      try {
        const input = await requestFile('split-kill.jsonl', 12)
        const out = join(dir, `split-kill-${hold.path.slice(4)}-${hold.forward}.jsonl`)
        const flags = ['--via', 'batch', '--batch-size', '5']
        const first = start(
          ...['llm', input, '--out', out, '--base-url', `${proxy.url}/v1`, '--poll', '20ms', ...flags],
        )
        await proxy.held
        first.child.kill('SIGKILL')
        expect((await first.done).signal).toBe('SIGKILL')
        const state = JSON.parse(await readFile(`${out}.batch.json`, 'utf8')) as {
          batches: { batchId?: string }[]
        }
        expect(state.batches[0]?.batchId).toBeDefined()
        expect(state.batches.every((entry, at) => at === 0 || entry.batchId === undefined)).toBe(true)
        const before = await batches(baseUrl)
        expect(before).toHaveLength(hold.forward ? 2 : 1)
        const resumed = await llm(input, out, baseUrl, ...flags, '--resume')
        expect(resumed.code).toBe(0)
        expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(12))
        // The batches made before the kill are collected, not made again: 3 in all, 12 requests.
        const after = await batches(baseUrl)
        expect(after.map((b) => b.id)).toEqual(expect.arrayContaining(before.map((b) => b.id)))
        expect(await totals(baseUrl)).toEqual([2, 5, 5])
        expect(await keptFiles(out)).toEqual([])
      } finally {
        await proxy.close()
      }
    },
  )
})

describe('boundkit llm --deadline against the demo server', () => {
  const split = ['--deadline', '1min', '--rpm', '6']

  it('the dry run says the split and each lane cost; the run sends that many live and the rest as one batch', async () => {
    const { baseUrl } = await demo()
    const input = await requestFile('deadline.jsonl', 10)
    const out = join(dir, 'deadline.jsonl.out')
    const plan = await llm(input, out, baseUrl, ...split, '--price', 'in=1000,out=1000', '--dry-run')
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('6 live')
    expect(plan.stdout).toContain('4 through the Batch API (input lines up to 4)')
    expect(plan.stdout).toMatch(/cost live: +\$/)
    expect(plan.stdout).toMatch(/cost batch: +\$.*half the live price/)
    const json = await llm(
      input,
      out,
      baseUrl,
      ...split,
      '--price',
      'in=1000,out=1000',
      '--dry-run',
      '--json',
    )
    const lanes = (
      JSON.parse(json.stdout) as { split: Record<string, { requests: number; costUsd: { max: number } }> }
    ).split
    expect([lanes.live?.requests, lanes.batch?.requests]).toEqual([6, 4])
    const roomy = await llm(input, out, baseUrl, '--deadline', '10min', '--rpm', '6', '--dry-run')
    expect(roomy.stdout).toContain('10 live')
    expect(roomy.stdout).toContain('0 through the Batch API')
    expect(existsSync(out)).toBe(false)
    const result = await llm(input, out, baseUrl, ...split)
    expect(result.code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(10))
    expect((await batches(baseUrl)).map((batch) => batch.request_counts.total)).toEqual([4])
    const metrics = await (await fetch(`${server?.url}/metrics`)).text()
    expect(metrics).toMatch(/boundkit_chat_requests_total\{status="200"\} 6\b/)
  })

  it('killed with SIGKILL once the live lane is done, --resume pays for nothing again: the same batch, no live request twice', async () => {
    const { clock, baseUrl } = await demo({ batches: { runMs: 3_600_000 } })
    const input = await requestFile('deadline-kill.jsonl', 10)
    const out = join(dir, 'deadline-kill.jsonl.out')
    const first = start('llm', input, '--out', out, '--base-url', baseUrl, '--poll', '20ms', ...split)
    // Once the batch runs, and the live answers wait in the journal for its lines, which come before them.
    await stderrShows(first.child, 'in_progress')
    await waitForLines(`${out}.journal`, 6)
    first.child.kill('SIGKILL')
    await first.done
    clock.offset += 3_600_000
    const resumed = await llm(input, out, baseUrl, ...split, '--resume')
    expect(resumed.code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(10))
    expect((await batches(baseUrl)).map((batch) => batch.request_counts.total)).toEqual([4])
    const metrics = await (await fetch(`${server?.url}/metrics`)).text()
    expect(metrics).toMatch(/boundkit_chat_requests_total\{status="200"\} 6\b/)
  })

  it('refuses what it cannot split: no limits to plan by, --via batch, --redis (exit 2, before any request)', async () => {
    const { baseUrl } = await demo()
    const input = await requestFile('refused.jsonl', 2)
    const out = join(dir, 'refused.jsonl.out')
    const cases = [
      [['--deadline', '1min'], '--deadline needs --rpm or --tpm'],
      [[...split, '--via', 'batch'], 'not with --via batch'],
      [['--via', 'batch', '--redis', 'redis://127.0.0.1:1'], 'not with --redis'],
    ] as const
    for (const [flags, message] of cases) {
      const result = await llm(input, out, baseUrl, ...flags)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(message)
    }
    expect(await batches(baseUrl)).toEqual([])
  })
})
