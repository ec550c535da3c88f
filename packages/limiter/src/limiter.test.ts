import { describe, expect, it } from 'vitest'
import { FakeClock, flush } from '../test/fake-clock'
import { http } from '../test/http-error'
import { createLimiter, type LimiterStats } from './index'

/** A task that resolves when the test says so, counting how many run at once. */
function gate() {
  let running = 0
  let peak = 0
  const waiters: (() => void)[] = []
  return {
    get running() {
      return running
    },
    get peak() {
      return peak
    },
    get waiting() {
      return waiters.length
    },
    task: async <T>(value: T) => {
      running++
      peak = Math.max(peak, running)
      await new Promise<void>((resolve) => waiters.push(resolve))
      running--
      return value
    },
    releaseAll() {
      for (const w of waiters.splice(0)) w()
    },
  }
}

describe('run', () => {
  it('never runs more than `concurrency` at once', async () => {
    const limiter = createLimiter({ concurrency: 3 })
    const g = gate()
    const all = Array.from({ length: 10 }, (_, i) => limiter.run(() => g.task(i)))
    while (limiter.stats().done < 10) {
      await flush()
      expect(g.running).toBeLessThanOrEqual(3)
      g.releaseAll()
    }
    expect(await Promise.all(all)).toEqual([...Array(10).keys()])
    expect(g.peak).toBe(3)
    expect(limiter.stats()).toMatchObject({ done: 10, failed: 0, running: 0, queued: 0 })
  })

  it('handles a synchronous throw, a non-promise value and a thenable', async () => {
    const limiter = createLimiter({ retry: false })
    const boom = new Error('sync')
    await expect(
      limiter.run(() => {
        throw boom
      }),
    ).rejects.toBe(boom)
    await expect(limiter.run(() => 7)).resolves.toBe(7)
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable on purpose
    const thenable = { then: (ok: (v: number) => void) => ok(8) } as unknown as PromiseLike<number>
    await expect(limiter.run(() => thenable)).resolves.toBe(8)
    expect(limiter.stats()).toMatchObject({ done: 2, failed: 1 })
  })

  it('times out a task that never settles, frees its slot and aborts its signal', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ concurrency: 1, timeout: 100, retry: false, clock })
    let signal: AbortSignal | undefined
    const stuck = limiter.run(({ signal: s }) => {
      signal = s
      return new Promise(() => {})
    })
    const next = limiter.run(() => 'next')
    const caught = stuck.catch((e) => e)
    await clock.advance(100)
    expect(await caught).toMatchObject({ code: 'ERR_TIMEOUT', attempts: 1 })
    expect(signal?.aborted).toBe(true)
    expect(await next).toBe('next')
  })

  it('retries timeouts by default', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ timeout: 50, retry: { retries: 2, minDelay: 10, jitter: 'none' }, clock })
    const promise = limiter
      .run(({ attempt }) => (attempt < 3 ? new Promise(() => {}) : 'third'))
      .catch((e) => e)
    await clock.runAll()
    expect(await promise).toBe('third')
    expect(limiter.stats().retried).toBe(2)
  })

  it('gives up with ERR_RETRIES_EXHAUSTED carrying the last error and attempts', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ retry: { retries: 2, minDelay: 1 }, clock })
    const failures = [http(500), http(502), http(503)]
    const promise = limiter.run(({ attempt }) => Promise.reject(failures[attempt - 1])).catch((e) => e)
    await clock.runAll()
    const { code, attempts, cause } = await promise
    expect([code, attempts, cause]).toEqual(['ERR_RETRIES_EXHAUSTED', 3, failures[2]])
    expect(cause).toBe(failures[2])
  })

  it('a retry gives its slot back while it waits its backoff', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ concurrency: 1, retry: { minDelay: 1000, jitter: 'none' }, clock })
    const order: string[] = []
    const flaky = limiter.run(async ({ attempt }) => {
      order.push(`flaky#${attempt}`)
      if (attempt === 1) throw http(503)
      return 'flaky'
    })
    const other = limiter.run(async () => {
      order.push('other')
      return 'other'
    })
    await clock.advance(0)
    // The other task ran while the flaky one was waiting out its 1 s backoff.
    expect(order).toEqual(['flaky#1', 'other'])
    expect(limiter.stats()).toMatchObject({ waiting: 1, running: 0 })
    await clock.advance(1000)
    expect(await flaky).toBe('flaky')
    expect(await other).toBe('other')
    expect(order).toEqual(['flaky#1', 'other', 'flaky#2'])
  })

  it('runs per-call retry options', async () => {
    const limiter = createLimiter()
    await expect(
      limiter.run(
        async () => {
          throw http(503)
        },
        { retry: false },
      ),
    ).rejects.toMatchObject({ status: 503 })
  })
})

describe('rate windows', () => {
  it('enforces several sliding windows at once', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({
      concurrency: 100,
      rate: [
        { limit: 2, interval: 100 },
        { limit: 5, interval: 1000 },
      ],
      clock,
    })
    const starts: number[] = []
    const all = Array.from({ length: 12 }, () =>
      limiter.run(async () => starts.push(clock.now() - 1_700_000_000_000)),
    )
    await clock.runAll()
    await Promise.all(all)
    // 2 per 100 ms, then the 5-per-second window holds the rest until a second has passed.
    expect(starts).toEqual([0, 0, 100, 100, 200, 1000, 1000, 1100, 1100, 1200, 2000, 2000])
    for (let i = 0; i < starts.length; i++) {
      expect(starts.filter((t) => t >= starts[i]! && t < starts[i]! + 100).length).toBeLessThanOrEqual(2)
      expect(starts.filter((t) => t >= starts[i]! && t < starts[i]! + 1000).length).toBeLessThanOrEqual(5)
    }
  })

  it('a retry re-enters under the rate limit', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({
      rate: { limit: 1, interval: 1000 },
      retry: { minDelay: 10, jitter: 'none' },
      clock,
    })
    const starts: number[] = []
    const p = limiter.run(async ({ attempt }) => {
      starts.push(clock.now() - 1_700_000_000_000)
      if (attempt === 1) throw http(500)
      return 'ok'
    })
    await clock.runAll()
    expect(await p).toBe('ok')
    expect(starts).toEqual([0, 1000])
  })
})

describe('Retry-After cooldown', () => {
  it('a 429 with Retry-After pauses every new start until then, then resumes with jitter', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    const cooldowns: { until: number }[] = []
    const limiter = createLimiter({
      concurrency: 1,
      retry: { minDelay: 1, jitter: 'none' },
      random: () => 0.5,
      cooldown: { jitter: 0.1 },
      clock,
    })
    limiter.on('cooldown', (e) => cooldowns.push(e))
    const starts: [string, number][] = []
    const first = limiter.run(async ({ attempt }) => {
      starts.push([`a${attempt}`, clock.now() - t0])
      if (attempt === 1) throw http(429, { response: { headers: { 'retry-after': '2' } } })
      return 'a'
    })
    const second = limiter.run(async () => {
      starts.push(['b', clock.now() - t0])
      return 'b'
    })
    await clock.advance(0)
    expect(limiter.stats().coolingDown).toBe(true)
    await clock.advance(2000)
    expect(starts).toEqual([['a1', 0]])
    await clock.runAll()
    expect(await Promise.all([first, second])).toEqual(['a', 'b'])
    // 2 s, plus random 0.5 x jitter 0.1 x 2 s = 100 ms.
    expect(starts.map((s) => s[1])).toEqual([0, 2100, 2100])
    expect(cooldowns).toEqual([{ until: t0 + 2100, delay: 2100 }])
    expect(limiter.stats().coolingDown).toBe(false)
  })

  it('reads an HTTP date from a returned Response (503) and can be turned off', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    // after: 1: this lone 503 pauses everyone (by default only a 429 does, or 3 Retry-Afters in a row).
    const limiter = createLimiter({
      retry: { minDelay: 1, jitter: 'none' },
      cooldown: { jitter: 0, after: 1 },
      clock,
    })
    const date = new Date(t0 + 5000).toUTCString()
    const p = limiter.run(
      async ({ attempt }) =>
        new Response('x', { status: attempt === 1 ? 503 : 200, headers: { 'Retry-After': date } }),
    )
    await clock.advance(0)
    expect(limiter.stats().cooldownUntil).toBe(t0 + 5000)
    await clock.runAll()
    expect((await p).status).toBe(200)

    const off = createLimiter({ retry: { minDelay: 1 }, cooldown: false, clock })
    const q = off.run(async ({ attempt }) => {
      if (attempt === 1) throw http(429, { retryAfter: 3 })
      return 'ok'
    })
    await clock.advance(0)
    expect(off.stats().coolingDown).toBe(false)
    await clock.runAll()
    expect(await q).toBe('ok')
  })

  it('caps the pause at cooldown.maxDelay', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    const limiter = createLimiter({ retry: false, cooldown: { maxDelay: 1000, jitter: 0 }, clock })
    await expect(
      limiter.run(async () => Promise.reject(http(429, { retryAfter: 3600 }))),
    ).rejects.toMatchObject({
      status: 429,
    })
    expect(limiter.stats().cooldownUntil).toBe(t0 + 1000)
  })
})

describe('map and stream', () => {
  it('map returns results in input order from arrays, iterables and async iterables', async () => {
    const limiter = createLimiter({ concurrency: 4 })
    const fn = async (x: number) => {
      await new Promise((r) => setTimeout(r, (5 - (x % 5)) * 2))
      return x * 10
    }
    const expected = [...Array(20).keys()].map((x) => x * 10)
    expect(await limiter.map([...Array(20).keys()], fn)).toEqual(expected)
    expect(await limiter.map(new Set([...Array(20).keys()]), fn)).toEqual(expected)
    async function* gen() {
      for (let i = 0; i < 20; i++) yield i
    }
    expect(await limiter.map(gen(), fn)).toEqual(expected)
    expect(await limiter.map([], fn)).toEqual([])
  })

  it('pulls items lazily: in-flight items never exceed the window', async () => {
    const limiter = createLimiter({ concurrency: 3 })
    let pulled = 0
    let finished = 0
    let maxAhead = 0
    function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++
        maxAhead = Math.max(maxAhead, pulled - finished)
        yield i
      }
    }
    const results = await limiter.map(source(), async (x) => {
      await Promise.resolve()
      finished++
      return x
    })
    expect(results).toHaveLength(1000)
    expect(maxAhead).toBeLessThanOrEqual(6 + 1)
  })

  it('map rejects with the first failure and does not start the rest', async () => {
    const limiter = createLimiter({ concurrency: 2, retry: false })
    const started: number[] = []
    const bad = new Error('item 3')
    await expect(
      limiter.map([...Array(100).keys()], async (x) => {
        started.push(x)
        await Promise.resolve()
        if (x === 3) throw bad
        return x
      }),
    ).rejects.toBe(bad)
    await limiter.onIdle()
    expect(started.length).toBeLessThan(10)
  })

  it('map with settle never rejects and reports each item with its index and attempts', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ concurrency: 2, retry: { retries: 1, minDelay: 1 }, clock })
    const promise = limiter.map(
      [0, 1, 2, 3],
      async (x, { attempt, index }) => {
        expect(index).toBe(x)
        if (x === 1) throw http(404)
        if (x === 2 && attempt === 1) throw http(503)
        if (x === 3) throw http(500)
        return x
      },
      { settle: true },
    )
    await clock.runAll()
    const outcomes = await promise
    expect(outcomes.map((o) => [o.index, o.status, o.attempts])).toEqual([
      [0, 'fulfilled', 1],
      [1, 'rejected', 1],
      [2, 'fulfilled', 2],
      [3, 'rejected', 2],
    ])
    expect(outcomes[1]).toMatchObject({ error: { status: 404 } })
    expect(outcomes[3]).toMatchObject({ error: { code: 'ERR_RETRIES_EXHAUSTED', attempts: 2 } })
  })

  it('stream yields outcomes in completion order and never throws for an item', async () => {
    const limiter = createLimiter({ concurrency: 3, retry: false })
    const delays = [30, 10, 20, 5]
    const seen: number[] = []
    for await (const outcome of limiter.stream(delays, async (ms, { index }) => {
      await new Promise((r) => setTimeout(r, ms))
      if (index === 2) throw new Error('two')
      return ms
    })) {
      seen.push(outcome.index)
      if (outcome.index === 2)
        expect(outcome).toMatchObject({ status: 'rejected', error: { message: 'two' } })
      else expect(outcome).toMatchObject({ status: 'fulfilled', value: delays[outcome.index], attempts: 1 })
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3])
    expect(seen).toHaveLength(4)
  })

  it('breaking out of a stream stops pulling and closes the source', async () => {
    const limiter = createLimiter({ concurrency: 2 })
    let pulled = 0
    let closed = false
    async function* source() {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++
          yield i
        }
      } finally {
        closed = true
      }
    }
    let count = 0
    for await (const _ of limiter.stream(source(), async (x) => x)) if (++count === 10) break
    await limiter.onIdle()
    await flush()
    expect(pulled).toBeLessThan(20)
    expect(closed).toBe(true)
  })

  it('a failing source rejects map and ends stream with its error', async () => {
    const limiter = createLimiter()
    const broken = new Error('source broke')
    async function* source() {
      yield 1
      throw broken
    }
    await expect(limiter.map(source(), async (x) => x)).rejects.toBe(broken)
    const seen: unknown[] = []
    await expect(
      (async () => {
        for await (const o of limiter.stream(source(), async (x) => x)) seen.push(o)
      })(),
    ).rejects.toBe(broken)
  })
})

describe('abort, pause, clear, idle, progress', () => {
  it('abort mid-batch: queued items never start, running ones see their signal, map rejects ERR_ABORTED', async () => {
    const limiter = createLimiter({ concurrency: 2 })
    const controller = new AbortController()
    const started: number[] = []
    const signals: AbortSignal[] = []
    const promise = limiter
      .map(
        [...Array(10).keys()],
        (x, { signal }) => {
          started.push(x)
          signals.push(signal)
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
        },
        { signal: controller.signal },
      )
      .catch((e) => e)
    await flush()
    expect(started).toEqual([0, 1])
    controller.abort(new Error('stop'))
    expect(await promise).toMatchObject({ code: 'ERR_ABORTED' })
    await limiter.onIdle()
    await flush()
    expect(started).toEqual([0, 1])
    expect(signals.every((s) => s.aborted)).toBe(true)
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 })
  })

  it('abort with settle reports every item', async () => {
    const limiter = createLimiter({ concurrency: 2 })
    const controller = new AbortController()
    const promise = limiter.map(
      [...Array(6).keys()],
      (x, { signal }) =>
        x === 0
          ? x
          : new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { signal: controller.signal, settle: true },
    )
    await flush()
    controller.abort()
    const outcomes = await promise
    expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: 0 })
    for (const o of outcomes.slice(1))
      expect(o).toMatchObject({ status: 'rejected', error: { code: 'ERR_ABORTED' } })
    expect(outcomes.slice(3).every((o) => o.attempts === 0)).toBe(true)
  })

  it('the limiter signal aborts everything and refuses new work', async () => {
    const controller = new AbortController()
    const limiter = createLimiter({ concurrency: 1, signal: controller.signal })
    const running = limiter.run(() => new Promise(() => {})).catch((e) => e)
    const queued = limiter.run(() => 'never').catch((e) => e)
    await flush()
    controller.abort()
    expect(await running).toMatchObject({ code: 'ERR_ABORTED' })
    expect(await queued).toMatchObject({ code: 'ERR_ABORTED', attempts: 0 })
    await expect(limiter.run(() => 1)).rejects.toMatchObject({ code: 'ERR_ABORTED' })
  })

  it('a run signal aborts that run only, even while it waits for a retry', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ retry: { minDelay: 1000 }, random: () => 1, clock })
    const controller = new AbortController()
    const p = limiter
      .run(
        async () => {
          throw http(503)
        },
        { signal: controller.signal },
      )
      .catch((e) => e)
    await clock.advance(0)
    expect(limiter.stats().waiting).toBe(1)
    controller.abort()
    expect(await p).toMatchObject({ code: 'ERR_ABORTED', attempts: 1 })
    expect(limiter.stats().waiting).toBe(0)
    await expect(limiter.run(() => 'still fine')).resolves.toBe('still fine')
  })

  it('pause holds new starts, resume lets them go, and the concurrency setter is live', async () => {
    const limiter = createLimiter({ concurrency: 1 })
    limiter.pause()
    const g = gate()
    const all = Array.from({ length: 4 }, (_, i) => limiter.run(() => g.task(i)))
    await flush()
    expect(g.running).toBe(0)
    expect(limiter.stats()).toMatchObject({ paused: true, queued: 4 })
    limiter.resume()
    await flush()
    expect(g.running).toBe(1)
    limiter.concurrency = 3
    await flush()
    expect(g.running).toBe(3)
    while (g.waiting > 0) {
      g.releaseAll()
      await flush()
    }
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3])
  })

  it('clear ends queued work with ERR_CLEARED and onIdle resolves', async () => {
    const limiter = createLimiter({ concurrency: 1 })
    const g = gate()
    const first = limiter.run(() => g.task('first'))
    const rest = [limiter.run(() => 'a'), limiter.run(() => 'b')].map((p) => p.catch((e) => e))
    await flush()
    limiter.clear()
    for (const r of await Promise.all(rest)) expect(r).toMatchObject({ code: 'ERR_CLEARED' })
    const idle = limiter.onIdle()
    g.releaseAll()
    await idle
    expect(await first).toBe('first')
  })

  it('close refuses new work and waits for the rest', async () => {
    const limiter = createLimiter()
    const p = limiter.run(async () => 'x')
    await limiter.close()
    expect(await p).toBe('x')
    await expect(limiter.run(() => 1)).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  })

  it('reports progress counters and retries through events', async () => {
    const clock = new FakeClock()
    const snapshots: LimiterStats[] = []
    const retries: number[] = []
    const limiter = createLimiter({ concurrency: 2, retry: { minDelay: 1 }, clock })
    limiter.on('progress', (s) => snapshots.push(s))
    const off = limiter.on('retry', (e) => retries.push(e.attempt))
    const p = limiter.map(
      [0, 1, 2],
      async (x, { attempt }) => {
        if (x === 1 && attempt === 1) throw http(502)
        if (x === 2) throw new Error('fatal')
        return x
      },
      { settle: true },
    )
    await clock.runAll()
    await p
    off()
    expect(retries).toEqual([1])
    expect(snapshots.at(-1)).toMatchObject({
      done: 2,
      failed: 1,
      retried: 1,
      running: 0,
      queued: 0,
      waiting: 0,
    })
    expect(Math.max(...snapshots.map((s) => s.running))).toBeLessThanOrEqual(2)
  })
})

describe('timers', () => {
  it('an idle limiter holds no timer, and a cooldown still applies to work given later', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    const limiter = createLimiter({ retry: false, cooldown: { jitter: 0 }, clock })
    await expect(
      limiter.run(async () => Promise.reject(http(429, { retryAfter: 10 }))),
    ).rejects.toMatchObject({
      status: 429,
    })
    expect(clock.pending).toBe(0)
    const starts: number[] = []
    const later = limiter.run(async () => starts.push(clock.now() - t0))
    await clock.advance(0)
    expect(starts).toEqual([])
    await clock.runAll()
    await later
    expect(starts).toEqual([10_000])
  })
})

describe('ordering and stream abort', () => {
  it('a retry whose backoff is over goes before the backlog', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ concurrency: 1, retry: { minDelay: 10, jitter: 'none' }, clock })
    const g = gate()
    const order: string[] = []
    const flaky = limiter.run(async ({ attempt }) => {
      order.push(`flaky#${attempt}`)
      if (attempt === 1) throw http(500)
    })
    const blocker = limiter.run(async () => {
      order.push('blocker')
      await g.task(0)
    })
    const rest = Array.from({ length: 3 }, (_, i) => limiter.run(async () => void order.push(`rest${i}`)))
    await clock.advance(10)
    // The backoff ended while the blocker held the only slot: the retry is next in line.
    g.releaseAll()
    await clock.runAll()
    await Promise.all([flaky, blocker, ...rest])
    expect(order).toEqual(['flaky#1', 'blocker', 'flaky#2', 'rest0', 'rest1', 'rest2'])
  })

  it('aborting a stream yields the pulled items as rejected, then throws ERR_ABORTED', async () => {
    const limiter = createLimiter({ concurrency: 2 })
    const controller = new AbortController()
    const seen: string[] = []
    const consume = (async () => {
      for await (const o of limiter.stream(
        [0, 1, 2, 3, 4],
        (_x, { signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        { signal: controller.signal },
      )) {
        seen.push(`${o.index}:${o.status}:${o.attempts}`)
      }
    })()
    await flush()
    controller.abort()
    await expect(consume).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    // Two were running, two more had been pulled (window 2 x concurrency) and never started.
    expect(seen.sort()).toEqual(['0:rejected:1', '1:rejected:1', '2:rejected:0', '3:rejected:0'])
  })
})

describe('abort with async sources', () => {
  it('settle + abort over an async generator reports every item, none run after the abort', async () => {
    const limiter = createLimiter({ concurrency: 2 })
    const controller = new AbortController()
    async function* source() {
      for (let i = 0; i < 50; i++) {
        await Promise.resolve()
        yield i
      }
    }
    const started: number[] = []
    const promise = limiter.map(
      source(),
      (x, { signal }) => {
        started.push(x)
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
      },
      { signal: controller.signal, settle: true },
    )
    await flush()
    controller.abort()
    const outcomes = await promise
    expect(outcomes.map((o) => o.index)).toEqual([...Array(50).keys()])
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true)
    expect(started).toEqual([0, 1])
    expect(outcomes.filter((o) => o.attempts! > 0).map((o) => o.index)).toEqual([0, 1])
  })

  it('the limiter signal ends a running map and stream', async () => {
    const controller = new AbortController()
    const limiter = createLimiter({ concurrency: 2, signal: controller.signal })
    const hang = (_x: number, { signal }: { signal: AbortSignal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    const mapped = limiter.map([1, 2, 3], hang).catch((e) => e)
    const streamed = (async () => {
      for await (const _ of limiter.stream([1, 2, 3], hang));
    })().catch((e) => e)
    await flush()
    controller.abort()
    expect(await mapped).toMatchObject({ code: 'ERR_ABORTED' })
    expect(await streamed).toMatchObject({ code: 'ERR_ABORTED' })
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0, waiting: 0 })
  })
})
