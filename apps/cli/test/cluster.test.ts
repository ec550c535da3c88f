/**
 * A cluster of `boundkit worker` processes and a producer (`batch --redis`, `llm --redis`) on a
 * private redis-server: retries on the workers as in one process, a killed worker's jobs elsewhere
 * within seconds, the cluster's pauses, its page and its metrics, and what a job may not choose.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createQueue, httpJob, poolJob, type QueueJob, type QueueOutcome } from '@boundkit/queue'
import { type RunningServer, startServer } from '@boundkit/server'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { endsWithin } from '../../../packages/queue/test/processes'
import { startRedis, type TestRedis } from '../../../packages/queue/test/redis'
import { localServer } from './local-server'
import { lines } from './output-lines'
import { boundkit, start } from './run-cli'
import { records, type Started, startWorker, stopAll } from './workers'

let redis: TestRedis
let dir: string
let queueNumber = 0
const children: Started[] = []
const newQueue = () => `c${++queueNumber}`

beforeAll(async () => {
  redis = await startRedis()
  dir = await mkdtemp(join(tmpdir(), 'boundkit-cluster-'))
})

afterEach(() => stopAll(children))

afterAll(async () => {
  await redis?.remove()
  await rm(dir, { recursive: true, force: true })
})

/** An OpenAI Batch API request file of `count` chat requests, `custom_id` c0, c1, ... */
async function chatRequests(name: string, count: number): Promise<string> {
  const path = join(dir, name)
  const request = (i: number) =>
    JSON.stringify({
      custom_id: `c${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'demo', messages: [{ role: 'user', content: `Say ${i}` }], max_tokens: 8 },
    })
  await writeFile(path, `${Array.from({ length: count }, (_, i) => request(i)).join('\n')}\n`)
  return path
}

/** The demo server answering fast, without rate limits, failing `faultRate` of its answers with 500 or 503. */
function demoServer(faultRate: number): Promise<RunningServer> {
  return startServer({
    dashboard: false,
    seed: 26,
    threads: 1,
    chatRpm: Number.POSITIVE_INFINITY,
    chatTpm: Number.POSITIVE_INFINITY,
    judge: { latencyDistribution: 'fixed', latencyMs: 5, faultRate, faultKinds: ['500', '503'] },
  })
}

describe('5xx answers on the workers', () => {
  it('are retried with the attempts, backoff and Retry-After of one process: every record ok', async () => {
    const queue = newQueue()
    const server = await demoServer(0.2)
    try {
      for (let i = 0; i < 2; i++) await startWorker(children, redis.url, queue, '--concurrency', '4')
      const out = join(dir, 'faults.jsonl')
      const result = await boundkit(
        ...['llm', await chatRequests('faults-in.jsonl', 60), '--base-url', `${server.url}/v1`],
        ...['--out', out, '--max-attempts', '8', '--redis', redis.url, '--queue', queue, '--json'],
      )
      expect(result.stderr).not.toContain('records failed')
      expect(result.code).toBe(0)
      const written = await lines(out)
      expect(written.map((line) => line.custom_id)).toEqual(Array.from({ length: 60 }, (_, i) => `c${i}`))
      for (const line of written) expect(line).toMatchObject({ response: { status_code: 200 }, error: null })
      // With a fifth of the answers failing, some records took more than one attempt.
      const retried = written.filter((line) => (line.attempts as number) > 1)
      expect(retried.length).toBeGreaterThan(0)
      const summary = JSON.parse(result.stdout) as { ok: number; retries: number; requests: number }
      expect(summary).toMatchObject({ ok: 60, failed: 0 })
      expect(summary.retries).toBe(written.reduce((n, line) => n + (line.attempts as number) - 1, 0))
    } finally {
      await server.close()
    }
  })
})

describe('a worker killed with kill -9', () => {
  /** Generous against the 10 s the default lock allows: the 30 s lock of before took at least 29 s here. */
  const BOUND_MS = 20_000

  it('has its jobs run by another worker within seconds, with the default lock; one line per record', async () => {
    const queue = newQueue()
    const requests: { id: string; worker: string; at: number }[] = []
    const server = await localServer((request, response, body) => {
      const id = String((JSON.parse(body.toString()) as { id: string }).id)
      requests.push({ id, worker: String(request.headers['x-worker']), at: performance.now() })
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 300)
    })
    try {
      const origin = ['--origin', new URL(server.url).origin]
      const as = (name: string) => ['--concurrency', '2', '--header', `X-Worker: ${name}`, ...origin]
      await startWorker(children, redis.url, queue, ...as('survivor'))
      const doomed = await startWorker(children, redis.url, queue, ...as('doomed'))
      const out = join(dir, 'recovery.jsonl')
      const run = start(
        ...['batch', await records(dir, 'recovery-in.jsonl', 40), '--url', server.url, '--out', out],
        ...['--key', 'id', '--redis', redis.url, '--queue', queue],
      )
      children.push(run)
      while (requests.filter((r) => r.worker === 'doomed').length < 2)
        await server.requests(requests.length + 1)
      doomed.child.kill('SIGKILL')
      const killedAt = performance.now()
      await doomed.done
      const result = await run.done
      expect(result.code).toBe(0)
      const written = await lines(out)
      expect(written.map((line) => line.key)).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`))
      // The records the killed worker had in flight, asked again by the survivor after the kill.
      const cut = new Set(requests.filter((r) => r.worker === 'doomed').map((r) => r.id))
      const again = requests.filter((r) => r.worker === 'survivor' && r.at > killedAt && cut.has(r.id))
      expect(again.length).toBeGreaterThan(0)
      const recovery = Math.max(...again.map((r) => r.at - killedAt))
      expect(recovery).toBeLessThan(BOUND_MS)
    } finally {
      await server.close()
    }
  })
})

describe("the cluster's cooldowns", () => {
  it("are counted in the summary as the wall time the cluster was paused, not the sum of each worker's pauses", async () => {
    const queue = newQueue()
    // The first two requests are held until both arrived, then answered 429 with Retry-After: 3.
    const held: ServerResponse[] = []
    let requests = 0
    const server = await localServer((_request, response) => {
      if (++requests > 2) {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
        return
      }
      held.push(response)
      if (held.length === 2) for (const r of held) r.writeHead(429, { 'retry-after': '3' }).end()
    })
    try {
      for (const name of ['one', 'two']) {
        await startWorker(children, redis.url, queue, '--concurrency', '1', '--name', name)
      }
      const result = await boundkit(
        ...['batch', await records(dir, 'storm-in.jsonl', 2), '--url', server.url, '--json'],
        ...['--out', join(dir, 'storm.jsonl'), '--redis', redis.url, '--queue', queue],
      )
      expect(result.code).toBe(0)
      const summary = JSON.parse(result.stdout) as { cooldownMs: number }
      expect(summary).toMatchObject({ ok: 2, rateLimited: 2, cooldowns: 1 })
      // 3 s and the moment between the two answers: each worker paused the cluster 3 s, at once.
      expect(summary.cooldownMs).toBeGreaterThanOrEqual(3000)
      expect(summary.cooldownMs).toBeLessThan(6000)
    } finally {
      await server.close()
    }
  })
})

describe("--tpm with --redis against a server that enforces its minute's limit over 10 s windows", () => {
  it("learns the server's window from its reset headers: no 429, where a whole minute's budget at once met some", async () => {
    const queue = newQueue()
    // The server's clock stands still until the first request: its first 10 s window starts there.
    let armed = false
    let origin: number | undefined
    const now = () => {
      if (!armed) return 0
      origin ??= performance.now()
      return performance.now() - origin
    }
    // 2400 tokens a minute, enforced as 400 per fixed 10 s window (reserve: prompt + max_tokens at
    // admission); 40 requests of about 16 tokens need two windows, though they fit the minute's budget.
    const server = await startServer({
      dashboard: false,
      seed: 27,
      threads: 1,
      chatRpm: Number.POSITIVE_INFINITY,
      chatTpm: 2400,
      chatWindowMs: 10_000,
      chatWindowMode: 'fixed',
      chatAccounting: 'reserve',
      judge: { latencyDistribution: 'fixed', latencyMs: 5, faultRate: 0 },
      now,
    })
    armed = true
    try {
      for (let i = 0; i < 2; i++) await startWorker(children, redis.url, queue, '--concurrency', '4')
      const out = join(dir, 'window.jsonl')
      const result = await boundkit(
        ...['llm', await chatRequests('window-in.jsonl', 40), '--base-url', `${server.url}/v1`],
        ...['--out', out, '--tpm', '2400', '--redis', redis.url, '--queue', queue, '--json'],
      )
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: 40, failed: 0 })
      const metrics = await server.metrics.text()
      const refused = metrics
        .split('\n')
        .filter((line) => line.startsWith('boundkit_chat_rate_limited_total'))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
      // Each request sent once: none held past its lock while a pause was waited out.
      expect(metrics).toContain('boundkit_chat_requests_total{status="200"} 40\n')
      expect(refused).toBe(0)
    } finally {
      await server.close()
    }
  })
})

/** Resolves with the URL a process printed after `Metrics: ` on stderr. */
function metricsUrl(started: Started): Promise<string> {
  return new Promise((resolve) => {
    let seen = ''
    started.child.stderr?.on('data', (chunk) => {
      seen += chunk
      const url = /Metrics: (\S+)/.exec(seen)?.[1]
      if (url) resolve(url)
    })
  })
}

/** The value of a metric line (`name{labels} value`) whose name and labels match, from Prometheus text. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

describe("the whole cluster on the producer's page and in Prometheus", () => {
  it("shows each worker sampled through Redis, and serves each process's /metrics", async () => {
    const queue = newQueue()
    // Every request is held until the test has read the metrics: each worker's slots are all busy.
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const server = await localServer((_request, response) => {
      void held.then(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
    })
    try {
      const alpha = await startWorker(
        children,
        redis.url,
        queue,
        '--concurrency',
        '2',
        '--name',
        'alpha',
        '--metrics',
        '0',
      )
      const alphaMetrics = metricsUrl(alpha)
      await startWorker(children, redis.url, queue, '--concurrency', '3', '--name', 'beta')
      const report = join(dir, 'cluster.html')
      const run = start(
        ...['batch', await records(dir, 'cluster-in.jsonl', 12), '--url', server.url, '--json'],
        ...['--out', join(dir, 'cluster.jsonl'), '--redis', redis.url, '--queue', queue],
        ...['--report', report, '--metrics', '0'],
      )
      children.push(run)
      const producerMetrics = await metricsUrl(run)
      await server.requests(5)
      // While five requests are held, the producer's metrics show them on the workers, read from Redis.
      let text = ''
      for (;;) {
        text = await (await fetch(producerMetrics)).text()
        const running = ['alpha', 'beta'].map((worker) =>
          metric(text, 'boundkit_run_worker_jobs_running', { worker }),
        )
        if (running[0] === 2 && running[1] === 3) break
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(metric(text, 'boundkit_run_worker_concurrency', { worker: 'alpha' })).toBe(2)
      expect(metric(text, 'boundkit_run_worker_concurrency', { worker: 'beta' })).toBe(3)
      expect(text).toContain('# TYPE boundkit_run_records_done_total counter')
      expect(metric(text, 'boundkit_run_records', { command: 'batch' })).toBe(12)
      const own = await (await fetch(await alphaMetrics)).text()
      expect(metric(own, 'boundkit_worker_jobs_running', { queue, worker: 'alpha' })).toBe(2)
      expect(metric(own, 'boundkit_worker_concurrency', { queue, worker: 'alpha' })).toBe(2)
      expect(own).toContain('# TYPE boundkit_worker_jobs_done_total counter')
      expect(own).toContain('process_cpu_seconds_total')
      release()
      const result = await run.done
      expect(result.code).toBe(0)
      // The report (the page's last state): each worker's share and its state, as it published it.
      const html = await readFile(report, 'utf8')
      const data = JSON.parse(/window\.__BOUNDKIT_REPORT__=(.*?);<\/script>/s.exec(html)?.[1] ?? 'null') as {
        view: { workers: { name: string; done: number; live?: { concurrency: number; inFlight: number } }[] }
      }
      const byName = Object.fromEntries(data.view.workers.map((w) => [w.name, w]))
      expect(byName.alpha?.live).toMatchObject({ concurrency: 2, rateLimited: 0 })
      expect(byName.beta?.live).toMatchObject({ concurrency: 3, rateLimited: 0 })
      expect((byName.alpha?.done ?? 0) + (byName.beta?.done ?? 0)).toBe(12)
      const after = await (await fetch(await alphaMetrics)).text()
      expect(metric(after, 'boundkit_worker_jobs_done_total', { worker: 'alpha' })).toBe(byName.alpha?.done)
    } finally {
      release()
      await server.close()
    }
  })
})

describe('a producer interrupted while its Redis is down', () => {
  it('exits 130 at the first Ctrl-C, within its bounded close, the command to continue printed', async () => {
    const gone = await startRedis()
    try {
      const queue = newQueue()
      // No worker: the jobs wait in Redis, and the producer polls them.
      const run = start(
        ...['batch', await records(dir, 'down-in.jsonl', 5), '--url', 'http://127.0.0.1:9/'],
        ...['--out', join(dir, 'down.jsonl'), '--redis', gone.url, '--queue', queue],
      )
      children.push(run)
      const waiting = () =>
        new Promise<number>((resolve) =>
          execFile('redis-cli', ['-p', String(gone.port), 'LLEN', `bull:${queue}:wait`], (_, out) =>
            resolve(Number(out)),
          ),
        )
      while ((await waiting()) < 5) await new Promise((resolve) => setTimeout(resolve, 100))
      await gone.stop()
      run.child.kill('SIGINT')
      const result = await endsWithin(run.done, 60_000)
      expect(result, 'still running after the first Ctrl-C').toBeDefined()
      expect(result?.code).toBe(130)
      expect(result?.stderr).toContain('--resume')
    } finally {
      await gone.remove()
    }
  })
})

describe('what a job may not choose', () => {
  it('a worker loads only its --worker-file and sends its credentials only to its --origin, whatever a job asks', async () => {
    const queue = newQueue()
    const marker = join(dir, 'evil-ran')
    const evil = join(dir, 'evil.mjs')
    await writeFile(
      evil,
      `import { writeFileSync } from 'node:fs'\nwriteFileSync(${JSON.stringify(marker)}, '')\n`,
    )
    const pool = pathToFileURL(createRequire(import.meta.url).resolve('@boundkit/pool'))
    const tasks = join(dir, 'square.mjs')
    await writeFile(
      tasks,
      `import { defineWorker } from '${pool.href}'\nexport default defineWorker({ tasks: { square: (n) => n * n } })\n`,
    )
    const seen: (string | undefined)[] = []
    const api = await localServer((request, response) => {
      seen.push(`api ${request.headers.authorization}`)
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    const elsewhere = await localServer((request, response) => {
      seen.push(`elsewhere ${request.headers.authorization}`)
      response.end()
    })
    const given = ['--header', 'Authorization: Bearer worker-secret', '--worker-file', tasks]
    const refused = await boundkit('worker', '--redis', redis.url, '--queue', queue, ...given)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('ERR_ORIGIN_NEEDED')
    await startWorker(children, redis.url, queue, ...given, '--origin', new URL(api.url).origin)
    // Plain jobs, as anyone who can write to the Redis could add them.
    const producer = createQueue({ connection: redis.url, name: queue })
    const jobs: QueueJob[] = [
      poolJob(pathToFileURL(evil), 'square', 3),
      httpJob({ url: `${elsewhere.url}steal` }),
      poolJob(pathToFileURL(tasks), 'square', 3),
      httpJob({ url: api.url }),
    ]
    const outcomes: QueueOutcome<unknown>[] = []
    try {
      for await (const outcome of producer.distribute(jobs, { key: (_, i) => i, job: (j) => j })) {
        outcomes.push(outcome)
      }
    } finally {
      await producer.close()
      await Promise.all([api.close(), elsewhere.close()])
    }
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? String((o.error as Error).message) : 'ok'))
    expect(reasons[0]).toContain('ERR_FILE_NOT_ALLOWED')
    expect(reasons[1]).toContain('ERR_ORIGIN_NOT_ALLOWED')
    expect(outcomes.slice(2)).toMatchObject([{ status: 'fulfilled', value: 9 }, { status: 'fulfilled' }])
    expect(existsSync(marker)).toBe(false)
    expect(seen).toEqual(['api Bearer worker-secret'])
  })
})
