import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Queue as BullQueue } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countsKey, limiterKey, pauseQueue } from '../src/cluster-counts'
import {
  createQueue,
  httpJob,
  poolJob,
  type QueueOutcome,
  type QueueWorker,
  type QueueWorkerOptions,
  startWorker,
} from '../src/index'
import { GUARD_MAX_MS, TokenWindow, UNLEARNED_WAIT_MS } from '../src/token-window'
import { freePort, startRedis, type TestRedis } from './redis'

let redis: TestRedis
let queueNumber = 0
const open: { close(): Promise<void> }[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await Promise.all(open.map((resource) => resource.close()))
  await redis.remove()
})

/** A fresh queue name per test, so that no job of one test meets another's. */
const newName = () => `test-${++queueNumber}`

interface HttpServer {
  url: string
  /** Requests answered so far (count). */
  requests(): number
}

/** An HTTP server on 127.0.0.1 that answers with `answer` (given the request's number, from 1), closed after the file. */
async function httpServer(answer: (request: number, response: ServerResponse) => void): Promise<HttpServer> {
  let requests = 0
  const server = createServer((_, response) => answer(++requests, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests: () => requests }
}

async function worker(options: Omit<QueueWorkerOptions, 'connection'>): Promise<QueueWorker> {
  const started = await startWorker({ connection: redis.url, handleSignals: false, threads: 1, ...options })
  open.push(started)
  return started
}

function producer(name: string) {
  const queue = createQueue({ connection: redis.url, name })
  open.push(queue)
  return queue
}

async function collect<R>(outcomes: AsyncIterable<QueueOutcome<R>>): Promise<QueueOutcome<R>[]> {
  const all: QueueOutcome<R>[] = []
  for await (const outcome of outcomes) all.push(outcome)
  return all
}

const tasks = new URL('./fixtures/tasks.mjs', import.meta.url)

describe('distribute and startWorker', () => {
  it('runs pool jobs on the worker pool, init once per thread, outcomes in input order with keys', async () => {
    const name = newName()
    await worker({ name, concurrency: 4, workerFiles: [tasks] })
    const queue = producer(name)
    const items = Array.from({ length: 20 }, (_, i) => i)
    const outcomes = await collect(
      queue.distribute(items, { key: (n) => `n${n}`, job: (n) => poolJob(tasks, 'square', n), window: 5 }),
    )
    expect(outcomes.map((o) => o.index)).toEqual(items)
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome).toMatchObject({ status: 'fulfilled', key: `n${i}`, attempts: 1 })
      if (outcome.status === 'fulfilled') expect(outcome.value).toMatchObject({ square: i * i, inits: 1 })
    }
    expect(queue.stats()).toMatchObject({ added: 20, queued: 0, done: 20, failed: 0 })
  })

  it('pulls the input lazily: never more than `window` items taken ahead of the outcomes', async () => {
    const name = newName()
    await worker({ name, handlers: { echo: (data: number) => data } })
    const queue = producer(name)
    let pulled = 0
    let yielded = 0
    let most = 0
    function* items() {
      for (let i = 0; i < 30; i++) {
        pulled++
        most = Math.max(most, pulled - yielded)
        yield i
      }
    }
    for await (const outcome of queue.distribute(items(), {
      key: (n) => n,
      job: (n) => ({ name: 'echo', data: n }),
      window: 4,
    })) {
      expect(outcome.status).toBe('fulfilled')
      yielded++
    }
    expect(yielded).toBe(30)
    expect(most).toBeLessThanOrEqual(4)
  })

  it('yields every item once in completion order with ordered: false', async () => {
    const name = newName()
    await worker({
      name,
      concurrency: 8,
      handlers: { wait: async (ms: number) => new Promise((r) => setTimeout(() => r(ms), ms)) },
    })
    const queue = producer(name)
    const items = Array.from({ length: 16 }, (_, i) => (16 - i) * 5)
    const outcomes = await collect(
      queue.distribute(items, {
        key: (_, i) => i,
        job: (ms) => ({ name: 'wait', data: ms }),
        ordered: false,
      }),
    )
    expect(outcomes.map((o) => o.index).sort((a, b) => a - b)).toEqual(items.map((_, i) => i))
  })

  it('does not run again an item whose key finished before (a restarted producer)', async () => {
    const name = newName()
    let runs = 0
    await worker({ name, handlers: { count: (n: number) => ++runs && n * 10 } })
    const items = [1, 2, 3, 4, 5]
    const options = { key: (n: number) => `item:${n}`, job: (n: number) => ({ name: 'count', data: n }) }
    const first = await collect(producer(name).distribute(items, options))
    expect(runs).toBe(5)
    const again = await collect(producer(name).distribute([...items, 6], options))
    expect(runs).toBe(6)
    expect(again.map((o) => (o.status === 'fulfilled' ? o.value : o.error))).toEqual([10, 20, 30, 40, 50, 60])
    expect(first.map((o) => o.key)).toEqual(['item:1', 'item:2', 'item:3', 'item:4', 'item:5'])
  })

  it('runs again an item whose finished job removeFinished removed; a failed-only removal keeps a completed one', async () => {
    const name = newName()
    let runs = 0
    await worker({ name, handlers: { count: (n: number) => ++runs && n * 10 } })
    const options = { key: (n: number) => n, job: (n: number) => ({ name: 'count', data: n }) }
    const queue = producer(name)
    await collect(queue.distribute([1, 2], options))
    expect(await queue.removeFinished(1, 'failed')).toBe(false)
    expect(await queue.removeFinished(1)).toBe(true)
    expect(await queue.removeFinished(3)).toBe(false)
    await collect(queue.distribute([1, 2], options))
    expect(runs).toBe(3)
  })

  it("runs again the items whose finished job `replace` names: 'finished' any, 'failed' only a failed one", async () => {
    const name = newName()
    const ran: number[] = []
    await worker({
      name,
      handlers: {
        count: (n: number) => {
          ran.push(n)
          if (n === 2 && ran.filter((m) => m === 2).length === 1) throw new Error('first time')
          return n * 10
        },
      },
    })
    const queue = producer(name)
    const base = { key: (n: number) => n, job: (n: number) => ({ name: 'count', data: n }), attempts: 1 }
    const first = await collect(queue.distribute([1, 2, 3], base))
    expect(first.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    // Only the failed one runs again; then every one runs again.
    const again = await collect(queue.distribute([1, 2, 3], { ...base, replace: () => 'failed' as const }))
    expect(again.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    expect(ran.sort()).toEqual([1, 2, 2, 3])
    await collect(
      queue.distribute([1, 2, 3], { ...base, replace: (n) => (n === 3 ? undefined : 'finished') }),
    )
    expect(ran.sort()).toEqual([1, 1, 2, 2, 2, 3])
  })

  it('records a job that always fails as a rejected outcome with its error after its attempts', async () => {
    const name = newName()
    let calls = 0
    await worker({
      name,
      handlers: {
        boom: () => {
          calls++
          throw new Error('always broken')
        },
        ok: () => 'fine',
      },
    })
    const queue = producer(name)
    const outcomes = await collect(
      queue.distribute(['ok', 'boom'], {
        key: (n) => n,
        job: (n) => ({ name: n, data: null }),
        attempts: 3,
        backoff: 10,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: 'fine' })
    expect(outcomes[1]).toMatchObject({ index: 1, status: 'rejected', attempts: 3, key: 'boom' })
    const error =
      outcomes[1]?.status === 'rejected' ? (outcomes[1].error as Error & { code: string }) : undefined
    expect(error?.code).toBe('ERR_JOB_FAILED')
    expect(error?.message).toContain('always broken')
    expect(calls).toBe(3)
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'ERR_JOB_FAILED', attempts: 3 })
  })

  it('counts each outcome under the name of the worker that ran it (stats().byWorker); jobCounts() reads Redis', async () => {
    const name = newName()
    const handlers = {
      ok: async () => new Promise((r) => setTimeout(() => r('fine'), 20)),
      boom: () => {
        throw new Error('broken')
      },
    }
    await worker({ name, concurrency: 2, handlers, workerName: 'w-one' })
    await worker({ name, concurrency: 2, handlers })
    const queue = producer(name)
    const items = [...Array.from({ length: 20 }, (_, i) => `ok-${i}`), 'boom-0']
    const outcomes = await collect(
      queue.distribute(items, {
        key: (n) => n,
        job: (n) => ({ name: n.split('-')[0] as string, data: null }),
        attempts: 1,
      }),
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(20)
    const { byWorker } = queue.stats()
    for (const worker of Object.keys(byWorker))
      expect(['w-one', `${hostname()}:${process.pid}`]).toContain(worker)
    const all = Object.values(byWorker)
    expect(all.reduce((n, c) => n + c.done, 0)).toBe(20)
    expect(all.reduce((n, c) => n + c.failed, 0)).toBe(1)
    // A copy: changing it changes nothing in the queue.
    for (const counts of all) counts.done = -1
    expect(Object.values(queue.stats().byWorker).every((c) => c.done >= 0)).toBe(true)
    expect(await queue.jobCounts()).toEqual({ active: 0, waiting: 0, delayed: 0, completed: 20, failed: 1 })
  })

  it("lists every worker's published status: its counts, concurrency and limiter; a closed one leaves at once", async () => {
    const name = newName()
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const handlers = { hold: () => held.then(() => 'held'), quick: () => 'quick' }
    const one = await worker({ name, concurrency: 2, handlers, workerName: 'w-one', statusInterval: 100 })
    const two = await worker({ name, concurrency: 3, handlers, workerName: 'w-two', statusInterval: 100 })
    const queue = producer(name)
    const run = collect(
      queue.distribute(['hold', 'hold', 'quick'], {
        key: (_, i) => `s${i}`,
        job: (n) => ({ name: n, data: null }),
      }),
    )
    // Both held jobs run: the statuses say so once they are published again.
    let statuses = await queue.workers()
    while (statuses.reduce((n, s) => n + s.running, 0) < 2) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      statuses = await queue.workers()
    }
    expect(statuses.map((s) => [s.name, s.concurrency, s.pid])).toEqual([
      ['w-one', 2, process.pid],
      ['w-two', 3, process.pid],
    ])
    for (const status of statuses) {
      expect(status.limiter).toMatchObject({ running: 0, queued: 0, coolingDown: false })
      expect(status).toMatchObject({ failed: 0, rateLimited: 0, cooldowns: 0 })
    }
    release()
    await run
    await one.close()
    statuses = await queue.workers()
    expect(statuses.map((s) => s.name)).toEqual(['w-two'])
    await two.close()
    expect(await queue.workers()).toEqual([])
  })

  it('keeps a worker named __proto__ as a plain key of byWorker', async () => {
    const name = newName()
    await worker({ name, handlers: { ok: () => 1 }, workerName: '__proto__' })
    const queue = producer(name)
    await collect(queue.distribute(['a', 'b'], { key: (n) => n, job: () => ({ name: 'ok', data: null }) }))
    expect(Object.entries(queue.stats().byWorker)).toEqual([['__proto__', { done: 2, failed: 0 }]])
    expect(({} as { done?: unknown }).done).toBeUndefined()
  })

  it('fails with ERR_CLOSED once closed, whatever the method', async () => {
    const queue = createQueue({ connection: redis.url, name: newName() })
    await queue.close()
    await expect(queue.jobCounts()).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    await expect(queue.clusterCounts()).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  })

  it('refuses a workerName with spaces', async () => {
    await expect(
      startWorker({ connection: redis.url, name: newName(), workerName: 'a b' }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
  })

  it("fails a pool job whose worker file does not load with the pool's code, without retrying", async () => {
    const name = newName()
    const missing = new URL('./fixtures/missing.mjs', import.meta.url)
    const bad = new URL('./fixtures/not-a-worker.mjs', import.meta.url)
    await expect(worker({ name, workerFiles: [missing] })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('workerFiles[0]'),
    })
    await worker({ name, workerFiles: [bad] })
    const outcomes = await collect(
      producer(name).distribute([1], {
        key: (n) => n,
        job: (n) => poolJob(bad, 'square', n),
        backoff: 10,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'rejected', attempts: 1 })
    expect(String((outcomes[0] as { error: Error }).error.message)).toContain('ERR_WORKER_FILE')
  })

  it('retries a job whose pool thread crashed on a fresh thread', async () => {
    const name = newName()
    await worker({ name, workerFiles: [tasks] })
    const marker = join(mkdtempSync(join(tmpdir(), 'boundkit-queue-')), 'crashed')
    const outcomes = await collect(
      producer(name).distribute([marker], {
        key: () => 'crash',
        job: (m) => poolJob(tasks, 'crashOnce', { marker: m }),
        backoff: 10,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: 'survived', attempts: 2 })
  })

  it('stops adding items and throws ERR_ABORTED when its signal aborts', async () => {
    const name = newName()
    await worker({ name, handlers: { echo: (n: number) => n } })
    const controller = new AbortController()
    let pulled = 0
    function* items() {
      for (let i = 0; i < 1000; i++) {
        pulled++
        yield i
      }
    }
    const seen: number[] = []
    const error = await (async () => {
      for await (const outcome of producer(name).distribute(items(), {
        key: (n) => n,
        job: (n) => ({ name: 'echo', data: n }),
        window: 2,
        signal: controller.signal,
      })) {
        seen.push(outcome.index)
        if (seen.length === 3) controller.abort()
      }
    })().catch((e) => e)
    expect(error).toMatchObject({ code: 'ERR_ABORTED' })
    expect(seen).toEqual([0, 1, 2])
    expect(pulled).toBeLessThan(10)
  })

  it('gives an item whose key is given twice, or whose key function throws, a rejected outcome', async () => {
    const name = newName()
    await worker({ name, handlers: { echo: (n: number) => n } })
    const outcomes = await collect(
      producer(name).distribute([1, 1, 2], {
        key: (n) => {
          if (n === 2) throw new Error('no key')
          return n
        },
        job: (n) => ({ name: 'echo', data: n }),
      }),
    )
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected'])
    expect((outcomes[1] as { error: { code: string } }).error.code).toBe('ERR_DUPLICATE_KEY')
    expect((outcomes[2] as { error: Error }).error.message).toBe('no key')
  })
})

describe('rate', () => {
  it("holds a job back under BullMQ's global limiter once the window's jobs have started", async () => {
    const name = newName()
    await worker({ name, rate: { max: 1, duration: 600_000 }, handlers: { echo: (n: number) => n } })
    const outcomes = producer(name).distribute([1, 2], {
      key: (n) => n,
      job: (n) => ({ name: 'echo', data: n }),
      ordered: false,
    })
    const first = await outcomes.next()
    expect(first.value).toMatchObject({ status: 'fulfilled' })
    const bull = new BullQueue(name, { connection: { host: '127.0.0.1', port: redis.port } })
    try {
      expect(await bull.getRateLimitTtl(1)).toBeGreaterThan(0)
      expect(await bull.getJobCounts('completed', 'wait')).toEqual({ completed: 1, wait: 1 })
    } finally {
      await outcomes.return()
      await bull.obliterate({ force: true })
      await bull.close()
    }
  })
})

describe('setRate', () => {
  it("sets the queue's global rate in Redis for every worker, and removes it", async () => {
    const name = newName()
    await worker({ name, handlers: { echo: (n: number) => n } })
    const queue = producer(name)
    await queue.setRate({ max: 1, duration: 600_000 })
    const outcomes = queue.distribute([1, 2], {
      key: (n) => n,
      job: (n) => ({ name: 'echo', data: n }),
      ordered: false,
    })
    expect((await outcomes.next()).value).toMatchObject({ status: 'fulfilled' })
    const bull = new BullQueue(name, { connection: { host: '127.0.0.1', port: redis.port } })
    try {
      expect(await bull.getGlobalRateLimit()).toEqual({ max: 1, duration: 600_000 })
      expect(await bull.getJobCounts('completed', 'wait')).toEqual({ completed: 1, wait: 1 })
      await queue.setRate(undefined)
      expect(await bull.getGlobalRateLimit()).toBeNull()
    } finally {
      await outcomes.return()
      await bull.obliterate({ force: true })
      await bull.close()
    }
  })
})

describe('a 429 with Retry-After', () => {
  let api: HttpServer
  beforeAll(async () => {
    api = await httpServer((request, response) => {
      if (request === 1) response.writeHead(429, { 'retry-after': '1' }).end('slow down')
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
  })

  it('pauses the queue and puts the job back without using an attempt', async () => {
    const name = newName()
    const started = await worker({
      name,
      httpHeaders: { authorization: 'Bearer from-the-worker' },
      httpOrigins: [new URL(api.url).origin],
    })
    const outcomes = await collect(
      producer(name).distribute([api.url], {
        key: () => 'only',
        job: (u) => httpJob({ url: u }),
        attempts: 1,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { status: 200, body: { ok: true } } })
    expect(api.requests()).toBe(2)
    expect(started.stats()).toMatchObject({ cooldowns: 1, cooldownMs: 1000 })
    await started.close()
    // The producer reads what every worker counted.
    expect(await producer(name).clusterCounts()).toEqual({
      rateLimited: 1,
      cooldowns: 1,
      cooldownMs: 1000,
      tokenWaits: 0,
      tokenWaitMs: 0,
    })
  })
})

describe("the cluster's pauses", () => {
  /** A server that holds its first `hold` requests until all arrived, then answers them 429 with these Retry-After seconds, in order. */
  async function stormServer(retryAfters: number[]) {
    const at: number[] = []
    const held: ServerResponse[] = []
    const api = await httpServer((request, response) => {
      at.push(performance.now())
      if (request > retryAfters.length) {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
        return
      }
      held.push(response)
      if (held.length < retryAfters.length) return
      held.forEach((r, i) => {
        setTimeout(() => r.writeHead(429, { 'retry-after': String(retryAfters[i]) }).end(), i * 50)
      })
    })
    return { api, at }
  }

  it("counts two workers' 429s at once as one pause of the cluster, its wall time not their sum", async () => {
    const name = newName()
    const { api } = await stormServer([3, 3])
    const workers = [await worker({ name, concurrency: 1 }), await worker({ name, concurrency: 1 })]
    const outcomes = await collect(
      producer(name).distribute([api.url, api.url], { key: (_, i) => i, job: (u) => httpJob({ url: u }) }),
    )
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    // Each worker asked for 3 s; the cluster was paused once, for 3 s and the few ms between them.
    expect(workers.map((w) => w.stats().cooldownMs)).toEqual([3000, 3000])
    const cluster = await producer(name).clusterCounts()
    expect(cluster).toMatchObject({ rateLimited: 2, cooldowns: 1 })
    expect(cluster.cooldownMs).toBeGreaterThanOrEqual(3000)
    expect(cluster.cooldownMs).toBeLessThan(6000)
  })

  it("never shortens a pause: a 429 asking for 1 s keeps another's 3 s", async () => {
    const name = newName()
    const { api, at } = await stormServer([3, 1])
    await worker({ name, concurrency: 1 })
    await worker({ name, concurrency: 1 })
    await collect(
      producer(name).distribute([api.url, api.url], { key: (_, i) => i, job: (u) => httpJob({ url: u }) }),
    )
    // A lower bound only: BullMQ's own pause would have let the jobs start again after 1 s.
    expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual(2500)
  })
})

describe('an HTTP status the limiter does not retry', () => {
  let api: HttpServer
  beforeAll(async () => {
    api = await httpServer((_, response) => response.writeHead(404).end('no such thing'))
  })

  it('fails the job at once, without using its other attempts', async () => {
    const name = newName()
    await worker({ name })
    const outcomes = await collect(
      producer(name).distribute([api.url], {
        key: () => 'gone',
        job: (u) => httpJob({ url: u }),
        attempts: 3,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'rejected', attempts: 1 })
    expect(String((outcomes[0] as { error: Error }).error.message)).toContain(
      'ERR_HTTP_STATUS: GET answered 404',
    )
    expect(api.requests()).toBe(1)
  })
})

describe('an HTTP status the limiter retries (500, 503)', () => {
  it("gets the job's attempts, one request each: the local limiter does not retry on its own", async () => {
    const name = newName()
    const api = await httpServer((request, response) => {
      if (request <= 2) response.writeHead(500).end('boom')
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    await worker({ name })
    const outcomes = await collect(
      producer(name).distribute([api.url], {
        key: () => 'flaky',
        job: (u) => httpJob({ url: u }),
        attempts: 3,
        backoff: 0,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', attempts: 3, value: { status: 200 } })
    expect(api.requests()).toBe(3)
  })

  it('is retried by BullMQ when the local limiter has retry: false, as boundkit worker runs it', async () => {
    const name = newName()
    const api = await httpServer((_, response) => response.writeHead(500).end('boom'))
    await worker({ name, limiter: { concurrency: 2, retry: false } })
    const outcomes = await collect(
      producer(name).distribute([api.url], {
        key: () => 'broken',
        job: (u) => httpJob({ url: u }),
        attempts: 2,
        backoff: 0,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'rejected', attempts: 2 })
    expect(String((outcomes[0] as { error: Error }).error.message)).toContain(
      'ERR_HTTP_STATUS: GET answered 500',
    )
    expect(api.requests()).toBe(2)
  })

  it("waits at least a 503's Retry-After before the next attempt", async () => {
    const name = newName()
    const at: number[] = []
    const api = await httpServer((request, response) => {
      at.push(performance.now())
      if (request === 1) response.writeHead(503, { 'retry-after': '1' }).end('busy')
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    await worker({ name, limiter: { retry: false } })
    const outcomes = await collect(
      producer(name).distribute([api.url], {
        key: () => 'busy',
        job: (u) => httpJob({ url: u }),
        attempts: 2,
        backoff: 0,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', attempts: 2 })
    // A lower bound only: the backoff alone (0 ms) would have retried at once.
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(950)
  })
})

describe('what a job may not choose', () => {
  it("never loads a pool job's file that is not one of the worker's workerFiles", async () => {
    const name = newName()
    const marker = join(tmpdir(), `boundkit-queue-evil-${process.pid}`)
    rmSync(marker, { force: true })
    const evil = new URL('./fixtures/evil.mjs', import.meta.url)
    await worker({ name, workerFiles: [tasks] })
    const outcomes = await collect(
      producer(name).distribute([evil.href, 'test/fixtures/../fixtures/evil.mjs'], {
        key: (_, i) => i,
        job: (file) => poolJob(file, 'square', 2),
        attempts: 3,
      }),
    )
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'rejected', attempts: 1 })
      expect(String((outcome as { error: Error }).error.message)).toContain('ERR_FILE_NOT_ALLOWED')
    }
    // The file's top-level code never ran.
    expect(existsSync(marker)).toBe(false)
  })

  it('refuses every pool job of a worker started without workerFiles', async () => {
    const name = newName()
    await worker({ name })
    const outcomes = await collect(
      producer(name).distribute([1], { key: () => 'p', job: (n) => poolJob(tasks, 'square', n) }),
    )
    expect(String((outcomes[0] as { error: Error }).error.message)).toContain('ERR_FILE_NOT_ALLOWED')
  })

  it("sends nothing, and never the worker's headers, to an origin it was not started with", async () => {
    const name = newName()
    const seen: (string | undefined)[] = []
    const elsewhere = await httpServer((_, response) => response.writeHead(200).end('stolen'))
    const api = await httpServer((request, response) => {
      if (request === 1) response.writeHead(302, { location: elsewhere.url }).end()
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    const apiOrigin = new URL(api.url).origin
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization)
      response.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) })
    const other = `http://127.0.0.1:${(server.address() as AddressInfo).port}/steal`
    await worker({ name, httpHeaders: { authorization: 'Bearer secret' }, httpOrigins: [apiOrigin] })
    const outcomes = await collect(
      producer(name).distribute([api.url, other, 'file:///etc/passwd', `${api.url}again`], {
        key: (_, i) => i,
        job: (url) => httpJob({ url }),
        attempts: 2,
        backoff: 0,
      }),
    )
    // The redirect is not followed: its answer fails the job; the other origins are never asked.
    expect(outcomes[0]).toMatchObject({ status: 'rejected', attempts: 1 })
    expect(String((outcomes[0] as { error: Error }).error.message)).toContain('GET answered 302')
    for (const outcome of outcomes.slice(1, 3)) {
      expect(outcome).toMatchObject({ status: 'rejected', attempts: 1 })
      expect(String((outcome as { error: Error }).error.message)).toContain('ERR_ORIGIN_NOT_ALLOWED')
    }
    expect(outcomes[3]).toMatchObject({ status: 'fulfilled', value: { status: 200 } })
    expect(seen).toEqual([])
    expect(elsewhere.requests()).toBe(0)
  })
})

describe('a token budget for all workers (http jobs with tokens)', () => {
  let api: HttpServer
  const starts: number[] = []
  beforeAll(async () => {
    api = await httpServer((_, response) => {
      starts.push(performance.now())
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ usage: { prompt_tokens: 60, completion_tokens: 40, total_tokens: 100 } }))
    })
  })

  it('holds two workers to the budget: 9 requests of 100 tokens at 300 per 2 s take three windows', async () => {
    const name = newName()
    const [first, second] = [await worker({ name, concurrency: 4 }), await worker({ name, concurrency: 4 })]
    // 300 tokens per 2 s, 100 a request: 9 requests need three windows, so the last starts at least
    // 4 s after the first (by Redis's clock; the server's reading lags each start by a little).
    const tokens = { estimate: 100, limit: 300, interval: 2000 }
    const items = Array.from({ length: 9 }, (_, i) => i)
    const outcomes = await collect(
      producer(name).distribute(items, {
        key: (i) => `t${i}`,
        job: () => httpJob({ url: api.url, tokens }),
      }),
    )
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    expect(api.requests()).toBe(9)
    expect(starts[8]! - starts[0]!).toBeGreaterThan(3000)
    const waits = first.stats().tokenWaits + second.stats().tokenWaits
    expect(waits).toBeGreaterThanOrEqual(2)
    await Promise.all([first.close(), second.close()])
    // Pauses that overlap are one pause of the cluster, and their time its wall time.
    const cluster = await producer(name).clusterCounts()
    expect(cluster).toMatchObject({ rateLimited: 0, cooldowns: 0 })
    expect(cluster.tokenWaits).toBeGreaterThanOrEqual(1)
    expect(cluster.tokenWaits).toBeLessThanOrEqual(waits)
    expect(cluster.tokenWaitMs).toBeLessThanOrEqual(first.stats().tokenWaitMs + second.stats().tokenWaitMs)
  })

  it.each([
    // Two starts charged 700 each: the server keeps that charge, though each answer used 100...
    [undefined, 1400],
    // ...or, where it refunds, each is corrected to the 100 its answer used.
    [true, 200],
  ])(
    'a usage below the estimate gives nothing back unless refund is %s; with it, the usage replaces the estimate',
    async (refund, used) => {
      const name = newName()
      await worker({ name })
      const client = new Redis(redis.url)
      open.push({ close: () => client.quit().then(() => undefined) })
      const window = new TokenWindow(client, 'bull', name)
      const tokens = { estimate: 700, limit: 10_000, interval: 60_000, ...(refund && { refund }) }
      const outcomes = await collect(
        producer(name).distribute([1, 2], {
          key: (i) => `u${i}`,
          job: () => httpJob({ url: api.url, tokens }),
        }),
      )
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled'])
      expect(await window.used()).toBe(used)
    },
  )

  it.each([
    // Estimated 700, of which 500 the completion reserved: the server kept the prompt's 60 and the 500...
    [500, 1120],
    // ...but never less than the answer used.
    [10, 200],
  ])(
    "with the completion it reserved (%s), a start is charged the answer's prompt and that reserve, not the estimate",
    async (completion, used) => {
      const name = newName()
      await worker({ name })
      const client = new Redis(redis.url)
      open.push({ close: () => client.quit().then(() => undefined) })
      const window = new TokenWindow(client, 'bull', name)
      const tokens = { estimate: 700, limit: 10_000, interval: 60_000, completion }
      const outcomes = await collect(
        producer(name).distribute([1, 2], {
          key: (i) => `c${i}`,
          job: () => httpJob({ url: api.url, tokens }),
        }),
      )
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled'])
      expect(await window.used()).toBe(used)
    },
  )

  it('a usage above the estimate is charged', async () => {
    const name = newName()
    await worker({ name })
    const client = new Redis(redis.url)
    open.push({ close: () => client.quit().then(() => undefined) })
    const window = new TokenWindow(client, 'bull', name)
    const outcomes = await collect(
      producer(name).distribute([1], {
        key: () => 'above',
        job: () => httpJob({ url: api.url, tokens: { estimate: 30, limit: 10_000, interval: 60_000 } }),
      }),
    )
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled'])
    expect(await window.used()).toBe(100)
  })

  it('fails a request whose estimate alone is above the limit, unsent and without retrying', async () => {
    const name = newName()
    await worker({ name })
    const before = api.requests()
    const outcomes = await collect(
      producer(name).distribute([1], {
        key: () => 'huge',
        job: () => httpJob({ url: api.url, tokens: { estimate: 5000, limit: 1000, interval: 60_000 } }),
        attempts: 3,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'rejected', attempts: 1 })
    expect(String((outcomes[0] as { error: Error }).error.message)).toContain('ERR_COST_TOO_HIGH')
    expect(api.requests()).toBe(before)
  })

  it('fails a job whose tokens are out of range with ERR_UNKNOWN_JOB, unsent and before any Redis call', async () => {
    const name = newName()
    await worker({ name })
    const before = api.requests()
    const charges = [
      { estimate: 1e308, limit: 1e308, interval: 1e308 },
      { estimate: 1, limit: 10, interval: 1e308 },
      { estimate: 1, limit: 1e13, interval: 60_000 },
      { estimate: 10, limit: 100, interval: 60_000, completion: 11 },
    ]
    const outcomes = await collect(
      producer(name).distribute(charges, {
        key: (_, i) => `range${i}`,
        job: (tokens) => httpJob({ url: api.url, tokens }),
        attempts: 1,
      }),
    )
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      const message = String((outcome as { error: Error }).error.message)
      expect(message).toContain('ERR_UNKNOWN_JOB')
      expect(message).not.toContain('not an integer')
    }
    expect(api.requests()).toBe(before)
    const client = new Redis(redis.url)
    open.push({ close: () => client.quit().then(() => undefined) })
    expect(await client.keys(`bull:${name}:boundkit:tokens:*`)).toEqual([])
  })

  it("caps a start's real cost as an estimate is capped, whatever usage the answer claims", async () => {
    const client = new Redis(redis.url)
    open.push({ close: () => client.quit().then(() => undefined) })
    const window = new TokenWindow(client, 'bull', newName())
    const taken = await window.take({ estimate: 10, limit: 100, interval: 60_000 })
    expect(taken).toHaveProperty('entry')
    await window.settle((taken as { entry: string }).entry, 1e308)
    expect(await window.used()).toBe(1e12)
  })
})

describe("the queue's pause (a 429, the token budget) without a rate", () => {
  it('holds back every worker, not only the one that paused it: no job starts while it lasts', async () => {
    const name = newName()
    const client = new Redis(redis.url)
    open.push({ close: () => client.quit().then(() => undefined) })
    const key = limiterKey('bull', name)
    // The job reads the pause's mark: set while the queue is paused, gone (or BullMQ's count) after.
    await worker({ name, handlers: { probe: () => client.get(key) } })
    await pauseQueue(client, { limiter: key, counts: countsKey('bull', name) }, 'tokens', 1500)
    const outcomes = await collect(
      producer(name).distribute([1], { key: () => 'during', job: () => ({ name: 'probe', data: 1 }) }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled' })
    expect((outcomes[0] as { value: unknown }).value).not.toBe(String(Number.MAX_SAFE_INTEGER))
  })
})

describe("the shared token window holds to the server's window (learned from its reset headers)", () => {
  /** A TokenWindow on a fresh queue's keys, its client closed after the file. */
  function freshWindow(): TokenWindow {
    const client = new Redis(redis.url)
    open.push({ close: () => client.quit().then(() => undefined) })
    return new TokenWindow(client, 'bull', newName())
  }

  it('assumes 1 s windows before any reading: 6000 a minute lets 100 start per second, not 6000 at once', async () => {
    const window = freshWindow()
    const charge = { estimate: 60, limit: 6000, interval: 60_000 }
    // Sent at once, run one after the other by Redis: the second finds the first in its second.
    const [first, second] = await Promise.all([window.take(charge), window.take(charge)])
    expect(first).toHaveProperty('entry')
    expect(second).toHaveProperty('waitMs')
    // Not until the assumed second frees: the first answers may show a longer window before then.
    expect((second as { waitMs: number }).waitMs).toBeLessThanOrEqual(UNLEARNED_WAIT_MS)
    expect(await window.span()).toBeUndefined()
    expect(await window.used()).toBe(60)
  })

  it("admits at most a learned span's budget per span, and says how long until the next fits", async () => {
    const window = freshWindow()
    // 600 a minute over 10 s windows: 100 a window.
    await window.learn(9_950, { limit: 600, interval: 60_000 })
    expect(await window.span()).toBe(10_000)
    const charge = { estimate: 40, limit: 600, interval: 60_000 }
    const taken = await Promise.all([window.take(charge), window.take(charge), window.take(charge)])
    expect(taken.filter((t) => 'entry' in t)).toHaveLength(2)
    const wait = (taken[2] as { waitMs: number }).waitMs
    // Until the first start leaves the span (10 s, and the guard for the time a start takes to arrive).
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(10_000 + GUARD_MAX_MS)
    // A smaller start that still fits the span goes.
    expect(await window.take({ ...charge, estimate: 20 })).toHaveProperty('entry')
    expect(await window.used()).toBe(100)
  })

  it('keeps the longest span any reading showed, capped at the interval, for a while', async () => {
    const client = new Redis(redis.url)
    open.push({ close: () => client.quit().then(() => undefined) })
    const name = newName()
    const window = new TokenWindow(client, 'bull', name)
    const minute = { limit: 600, interval: 60_000 }
    // Rounded up as the limiter rounds: 180 ms is a 200 ms window, 2.3 s a 3 s one.
    await window.learn(180, minute)
    expect(await window.span()).toBe(200)
    await window.learn(2_300, minute)
    expect(await window.span()).toBe(3000)
    await window.learn(800, minute)
    expect(await window.span()).toBe(3000)
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) await window.learn(bad, minute)
    expect(await window.span()).toBe(3000)
    await window.learn(3_600_000, minute)
    expect(await window.span()).toBe(60_000)
    const ttl = await client.pttl(`bull:${name}:boundkit:tokens:span`)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(120_000)
    // A span as long as the interval: the whole minute's budget may start at once.
    const charge = { estimate: 300, limit: 600, interval: 60_000 }
    const taken = await Promise.all([window.take(charge), window.take(charge)])
    expect(taken.every((t) => 'entry' in t)).toBe(true)
  })

  it('learns a longer span from the tokens a reading says remain than from its reset, read mid-window', async () => {
    const window = freshWindow()
    const minute = { limit: 600, interval: 60_000 }
    // 6.5 s before the reset, 95 of a 10 s window's 100 remain: 95 need 9.5 s of 600 a minute.
    await window.learn(6_500, minute, 95)
    expect(await window.span()).toBe(9500)
    // A reset at a window's start then shows it whole; what remains never widens past the interval.
    await window.learn(9_990, minute, 60)
    expect(await window.span()).toBe(10_000)
    await window.learn(10, minute, 5000)
    expect(await window.span()).toBe(60_000)
  })

  it("counts a quantized window from the end its reset showed: the next window's budget starts whole as it opens", async () => {
    const window = freshWindow()
    // 6000 a minute over 500 ms windows (a reset of 300 ms: the window ends 300 ms from now): 50 a window.
    const minute = { limit: 6000, interval: 60_000 }
    await window.learn(300, minute)
    expect(await window.span()).toBe(500)
    const whole = { estimate: 50, ...minute }
    expect(await window.take(whole)).toHaveProperty('entry')
    const refused = await window.take({ ...whole, estimate: 1 })
    // Not until the start slides out of the last 500 ms: until the server's window ends, at most 300 ms.
    const wait = (refused as { waitMs: number }).waitMs
    expect(wait).toBeLessThanOrEqual(300)
    await sleep(wait)
    // The server's next window: its whole budget at once, though the first start is not 500 ms old.
    expect(await window.take(whole)).toHaveProperty('entry')
    expect(await window.server()).toMatchObject({ sliding: false })
  })

  it('takes a window whose reset moves with the starts (twice) as sliding, and keeps the earliest end of a quantized one', async () => {
    const minute = { limit: 600, interval: 60_000 }
    const sliding = freshWindow()
    await sliding.learn(9_950, minute)
    const first = await sliding.server()
    // A sliding window's end follows its last starts: each reading's end is later, off the 10 s grid.
    await sleep(150)
    await sliding.learn(9_950, minute)
    expect(await sliding.server()).toMatchObject({ sliding: false })
    await sleep(150)
    await sliding.learn(9_950, minute)
    const moved = await sliding.server()
    expect(moved).toMatchObject({ sliding: true })
    expect(moved!.end).toBeGreaterThan(first!.end)
    // A quantized one's: a later reading of the same end that reaches Redis sooner moves it earlier, a
    // later one (read late) does not move it.
    const quantized = freshWindow()
    await quantized.learn(59_000, minute)
    const read = (await quantized.server())!.end
    await quantized.learn(58_500, minute)
    const earlier = (await quantized.server())!.end
    expect(earlier).toBeLessThan(read)
    await quantized.learn(58_600, minute)
    expect(await quantized.server()).toEqual({ end: earlier, sliding: false })
  })

  it("lets a start above a span's budget start alone in an empty span, and nothing beside it", async () => {
    const window = freshWindow()
    await window.learn(1000, { limit: 6000, interval: 60_000 })
    // 6000 a minute over 1 s windows: 100 a window; 250 could never start if it had to fit one.
    const big = { estimate: 250, limit: 6000, interval: 60_000 }
    const small = { ...big, estimate: 1 }
    const [alone, beside] = await Promise.all([window.take(big), window.take(small)])
    expect(alone).toHaveProperty('entry')
    expect(beside).toHaveProperty('waitMs')
    expect((beside as { waitMs: number }).waitMs).toBeLessThanOrEqual(1020)
    // Nor does it start beside a small one: it waits for the span to empty.
    const other = freshWindow()
    await other.learn(1000, { limit: 6000, interval: 60_000 })
    const [first, after] = await Promise.all([other.take(small), other.take(big)])
    expect(first).toHaveProperty('entry')
    expect(after).toHaveProperty('waitMs')
  })
})

describe('an answer larger than maxResponseBytes', () => {
  let api: HttpServer
  beforeAll(async () => {
    api = await httpServer((_, response) => {
      // No Content-Length: the worker must stop reading by itself.
      response.writeHead(200, { 'content-type': 'text/plain' })
      const chunk = 'x'.repeat(64 * 1024)
      let sent = 0
      const more = () => {
        while (sent < 64 && response.write(chunk)) sent++
        if (sent >= 64) response.end()
        else response.once('drain', more)
      }
      response.on('error', () => {})
      more()
    })
  })

  it("fails the job with ERR_RESPONSE_TOO_LARGE without retrying; the job's cap wins over the worker's", async () => {
    const name = newName()
    await worker({ name, maxResponseBytes: 64 * 2 ** 20 })
    const outcomes = await collect(
      producer(name).distribute([api.url], {
        key: () => 'big',
        job: (u) => httpJob({ url: u, maxResponseBytes: 100_000 }),
        attempts: 3,
      }),
    )
    expect(outcomes[0]).toMatchObject({ status: 'rejected', attempts: 1 })
    expect(String((outcomes[0] as { error: Error }).error.message)).toContain(
      'ERR_RESPONSE_TOO_LARGE: GET answered 200 with a body larger than 100000 bytes',
    )
  })
})

describe('an unreachable Redis', () => {
  it('fails distribute and startWorker with ERR_REDIS_UNREACHABLE, without the password', async () => {
    const url = `redis://user:s3cret-pass@127.0.0.1:${await freePort()}`
    const queue = createQueue({ connection: url, name: 'nowhere', connectTimeout: 2000 })
    const error = await collect(
      queue.distribute([1], { key: (n) => n, job: () => ({ name: 'x', data: 1 }) }),
    ).catch((e) => e)
    expect(error).toMatchObject({ code: 'ERR_REDIS_UNREACHABLE' })
    expect(error.message).not.toContain('s3cret-pass')
    expect(error.message).toContain('***')
    await queue.close()
    const workerError = await startWorker({
      connection: url,
      name: 'nowhere',
      connectTimeout: 2000,
      handleSignals: false,
    }).catch((e) => e)
    expect(workerError).toMatchObject({ code: 'ERR_REDIS_UNREACHABLE' })
    expect(JSON.stringify(workerError)).not.toContain('s3cret-pass')
  })

  it("fails startWorker within connectTimeout when Redis answers its check but not the worker's connections", async () => {
    // One client at a time: the check's connection is answered, the worker's two are not.
    const full = await startRedis({ maxclients: 1 })
    try {
      const error = await startWorker({
        connection: full.url,
        name: 'full',
        connectTimeout: 2000,
        handleSignals: false,
      }).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'ERR_REDIS_UNREACHABLE' })
      expect((error as Error).message).toContain('answered, then the worker could not connect within 2000 ms')
    } finally {
      await full.remove()
    }
  })
})

describe('on()', () => {
  it('refuses an event the queue or the worker does not emit, and a listener that is not a function', async () => {
    const name = newName()
    const queue = producer(name)
    const started = await worker({ name })
    for (const emitter of [queue, started]) {
      expect(() => emitter.on('progres' as 'progress', () => {})).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_OPTION',
          message: expect.stringContaining("'progress', 'error'"),
        }),
      )
      expect(() => emitter.on('error', 'x' as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      )
    }
  })
})
