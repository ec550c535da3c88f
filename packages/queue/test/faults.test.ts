/**
 * Faults with real processes and a real redis-server: a worker killed with SIGKILL mid-run, Redis
 * restarted mid-run, a producer killed and started again. No timing threshold: each test waits for
 * what the processes print, and the lock duration is short so that a dead worker's jobs come back in
 * seconds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createQueue, type QueueOutcome } from '../src/index'
import { endsWithin, killAll, startProcess, type TestProcess } from './processes'
import { startRedis, type TestRedis } from './redis'

const LONG = 180_000
let queueNumber = 0
const newName = () => `fault-${++queueNumber}`

afterEach(killAll)

const slow = (ms: number) => (n: number) => ({ name: 'slow', data: { n, ms } })

/** Each job id a worker process printed `start` for, with how often. */
function starts(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of lines) {
    if (line.startsWith('start ')) counts.set(line.slice(6), (counts.get(line.slice(6)) ?? 0) + 1)
  }
  return counts
}

describe('with a worker process killed', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(() => redis.remove())

  it('hands its running jobs to another worker once their lock expires: one outcome per item', {
    timeout: LONG,
  }, async () => {
    const name = newName()
    const first = startProcess('worker-process.mjs', [redis.url, name, '4000'])
    await first.waitFor((line) => line === 'ready')
    const queue = createQueue({ connection: redis.url, name })
    const items = Array.from({ length: 16 }, (_, i) => i)
    const outcomes: QueueOutcome<{ n: number; pid: number }>[] = []
    const run = (async () => {
      for await (const outcome of queue.distribute(items, {
        key: (i) => `job-${i}`,
        job: slow(300),
        backoff: 10,
      })) {
        outcomes.push(outcome as QueueOutcome<{ n: number; pid: number }>)
      }
    })()
    await first.waitFor((line) => line.startsWith('start '))
    first.child.kill('SIGKILL')
    await first.exited
    const second = startProcess('worker-process.mjs', [redis.url, name, '4000'])
    await run
    await queue.close()

    expect(outcomes.map((o) => o.index).sort((a, b) => a - b)).toEqual(items)
    for (const outcome of outcomes) expect(outcome.status).toBe('fulfilled')
    // The jobs the killed worker had started and not finished were run by the second one.
    const cut = [...starts(first.lines).keys()].filter((id) => !first.lines.includes(`done ${id}`))
    expect(cut.length).toBeGreaterThan(0)
    const byId = new Map(outcomes.map((o) => [`k-job-${o.index}`, o]))
    for (const id of cut) {
      const outcome = byId.get(id)
      expect(outcome?.status === 'fulfilled' && outcome.value.pid).toBe(second.child.pid)
    }
    // The second worker ran each job at most once.
    for (const [id, count] of starts(second.lines)) expect(count, id).toBe(1)
  })

  it('does not run again what finished when the producer is killed and started again', {
    timeout: LONG,
  }, async () => {
    const name = newName()
    const worker = startProcess('worker-process.mjs', [redis.url, name, '5000'])
    await worker.waitFor((line) => line === 'ready')
    const first = startProcess('producer-process.mjs', [redis.url, name, '24'])
    await first.waitFor((line) => line.startsWith('outcome 5 '))
    first.child.kill('SIGKILL')
    await first.exited
    const second = startProcess('producer-process.mjs', [redis.url, name, '24'])
    await second.waitFor((line) => line === 'end')
    const outcomes = second.lines.filter((line) => line.startsWith('outcome '))
    expect(outcomes).toEqual(Array.from({ length: 24 }, (_, i) => `outcome ${i} fulfilled`))
    const ran = starts(worker.lines)
    expect([...ran.keys()].sort()).toEqual(Array.from({ length: 24 }, (_, i) => `k-item-${i}`).sort())
    for (const [id, count] of ran) expect(count, id).toBe(1)
  })
})

describe('a worker process sent SIGTERM', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(() => redis.remove())

  it('finishes its running jobs, takes no new one and exits', { timeout: LONG }, async () => {
    const name = newName()
    const first = startProcess('worker-process.mjs', [redis.url, name, '5000'])
    await first.waitFor((line) => line === 'ready')
    const queue = createQueue({ connection: redis.url, name })
    const items = Array.from({ length: 8 }, (_, i) => i)
    const outcomes: QueueOutcome<{ n: number; pid: number }>[] = []
    const run = (async () => {
      for await (const outcome of queue.distribute(items, { key: (i) => `t-${i}`, job: slow(1500) })) {
        outcomes.push(outcome as QueueOutcome<{ n: number; pid: number }>)
      }
    })()
    await first.waitFor((line) => line.startsWith('start '))
    first.child.kill('SIGTERM')
    expect(await first.exited).toEqual({ code: 0, signal: null })
    const started = [...starts(first.lines).keys()]
    for (const id of started) expect(first.lines).toContain(`done ${id}`)
    const second = startProcess('worker-process.mjs', [redis.url, name, '5000'])
    await run
    await queue.close()
    expect(outcomes.map((o) => o.index)).toEqual(items)
    for (const outcome of outcomes) {
      const pid = outcome.status === 'fulfilled' ? outcome.value.pid : undefined
      expect(pid).toBe(started.includes(`k-t-${outcome.index}`) ? first.child.pid : second.child.pid)
    }
    expect(started.length).toBeLessThan(items.length)
  })
})

describe('a worker process stopped while Redis is down', () => {
  // The grace period these workers get (closeTimeout): short, so that the test is quick; the bound
  // checked is far above it, and far below "never", which is what a worker waiting for Redis did.
  const GRACE = 2000
  const BOUND = GRACE + 40_000

  /** Runs `test` with a Redis of its own, removed after. */
  async function withRedis(test: (redis: TestRedis) => Promise<void>): Promise<void> {
    const redis = await startRedis()
    try {
      await test(redis)
    } finally {
      await redis.remove()
    }
  }

  /** A worker process of `redis` with the short grace period, ready (`own-close`: see the fixture). */
  async function readyWorker(redis: TestRedis, name: string, mode?: 'own-close') {
    const args = [redis.url, name, '30000', String(GRACE), ...(mode ? [mode] : [])]
    const worker = startProcess('worker-process.mjs', args)
    await worker.waitFor((line) => line === 'ready')
    return worker
  }

  /** Sends `signal`, runs `meanwhile`, and gives how the process ended (`undefined` past BOUND). */
  function endAfter(worker: TestProcess, signal: NodeJS.Signals, meanwhile?: () => Promise<void>) {
    worker.child.kill(signal)
    return endsWithin(
      (meanwhile?.() ?? Promise.resolve()).then(() => worker.exited),
      BOUND,
    )
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`ends within its grace period after ${signal}`, { timeout: LONG }, () =>
      withRedis(async (redis) => {
        const worker = await readyWorker(redis, newName())
        await redis.stop()
        expect(await endAfter(worker, signal), 'still running').toBeDefined()
      }),
    )
  }

  it('ends within its grace period with a job running that never finishes in time', { timeout: LONG }, () =>
    withRedis(async (redis) => {
      const name = newName()
      const worker = await readyWorker(redis, name)
      const queue = createQueue({ connection: redis.url, name })
      queue.on('error', () => {})
      // The job's handler waits a minute: it holds the process past the grace period.
      void queue
        .distribute([0], { key: () => 'long', job: slow(60_000) })
        .next()
        .catch(() => {})
      await worker.waitFor((line) => line.startsWith('start '))
      await queue.close()
      await redis.stop()
      const ended = await endAfter(worker, 'SIGTERM')
      expect(ended, 'still running').toBeDefined()
      // Its close ran out of time with the job still running: the signal is raised again.
      expect(ended?.signal).toBe('SIGTERM')
    }),
  )

  it(
    'ends on its own once close() ran out of time, in a program that closes the worker itself',
    {
      timeout: LONG,
    },
    () =>
      withRedis(async (redis) => {
        const worker = await readyWorker(redis, newName(), 'own-close')
        await redis.stop()
        // Its SIGTERM listener closes the worker and nothing ends the process: only an empty event
        // loop does (no timer of BullMQ's left ticking).
        const ended = await endAfter(worker, 'SIGTERM')
        expect(ended, 'still running').toBeDefined()
        expect(ended).toMatchObject({ code: 0, signal: null })
      }),
  )

  it('ends within its grace period when Redis comes back during the shutdown', { timeout: LONG }, () =>
    withRedis(async (redis) => {
      const worker = await readyWorker(redis, newName())
      await redis.stop()
      expect(await endAfter(worker, 'SIGTERM', () => redis.start()), 'still running').toBeDefined()
    }),
  )
})

describe('a producer closed while Redis is down', () => {
  it('ends its close within closeTimeout, and its distribute with ERR_ABORTED', {
    timeout: LONG,
  }, async () => {
    const redis = await startRedis()
    try {
      const queue = createQueue({ connection: redis.url, name: newName(), closeTimeout: 1000 })
      const errors: string[] = []
      queue.on('error', (error) => errors.push((error as { code?: string }).code ?? error.message))
      const stop = new AbortController()
      // Jobs no worker takes: the producer polls them until it is stopped.
      const run = (async () => {
        for await (const _ of queue.distribute([1, 2, 3], {
          key: (n) => `down-${n}`,
          job: (n) => ({ name: 'nobody', data: n }),
          pollInterval: 50,
          signal: stop.signal,
        })) {
        }
      })()
      const ended = run.then(
        () => 'ended',
        (error: { code?: string }) => error.code,
      )
      while (queue.stats().added < 3) await new Promise((resolve) => setTimeout(resolve, 20))
      await redis.stop()
      // A poll is now waiting for a Redis that does not answer.
      await new Promise((resolve) => setTimeout(resolve, 300))
      stop.abort()
      const closed = await endsWithin(
        queue.close().then(() => ({})),
        40_000,
      )
      expect(closed, 'close() still waiting').toBeDefined()
      expect(
        await endsWithin(
          ended.then((code) => ({ code })),
          40_000,
        ),
      ).toBeDefined()
      expect(await ended).toBe('ERR_ABORTED')
      expect(errors).toContain('ERR_CLOSE_TIMEOUT')
    } finally {
      await redis.remove()
    }
  })
})

describe('with Redis restarted mid-run', () => {
  for (const appendonly of [true, false]) {
    it(`completes the run (${appendonly ? 'data kept' : 'data lost: the producer adds the lost jobs again'})`, {
      timeout: LONG,
    }, async () => {
      const redis = await startRedis({ appendonly })
      try {
        const name = newName()
        const worker = startProcess('worker-process.mjs', [redis.url, name, '5000'])
        await worker.waitFor((line) => line === 'ready')
        const queue = createQueue({ connection: redis.url, name })
        queue.on('error', () => {})
        const items = Array.from({ length: 20 }, (_, i) => i)
        const outcomes: QueueOutcome<unknown>[] = []
        for await (const outcome of queue.distribute(items, {
          key: (i) => `r-${i}`,
          job: slow(50),
          window: 5,
          pollInterval: 200,
        })) {
          outcomes.push(outcome)
          if (outcomes.length === 5) {
            await redis.stop()
            await redis.start()
          }
        }
        await queue.close()
        expect(outcomes.map((o) => o.index)).toEqual(items)
        for (const outcome of outcomes) expect(outcome.status).toBe('fulfilled')
        if (!appendonly) expect(queue.stats().readded).toBeGreaterThan(0)
      } finally {
        await redis.remove()
      }
    })
  }
})
