import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { endsWithin } from '../../../packages/queue/test/processes'
import { freePort, startRedis, type TestRedis } from '../../../packages/queue/test/redis'
import { type LocalServer, localServer } from './local-server'
import { lines } from './output-lines'
import { boundkit, type Result, start } from './run-cli'
import { records, type Started, startWorker, stopAll } from './workers'

// A private redis-server for this file (a free port, a temporary directory), with a password: the
// tests check that it is never printed.
const PASSWORD = 'pw-never-printed-7f3a'
const SECRET = 'Bearer sk-worker-only-91c2'
let redis: TestRedis
let url: string
let dir: string
let queueNumber = 0
const children: Started[] = []

function redisCli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      ['-p', String(redis.port), '--no-auth-warning', '-a', PASSWORD, ...args],
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    )
  })
}

beforeAll(async () => {
  redis = await startRedis()
  await new Promise<void>((resolve, reject) =>
    execFile('redis-cli', ['-p', String(redis.port), 'CONFIG', 'SET', 'requirepass', PASSWORD], (error) =>
      error ? reject(error) : resolve(),
    ),
  )
  url = `redis://default:${PASSWORD}@127.0.0.1:${redis.port}`
  dir = await mkdtemp(join(tmpdir(), 'boundkit-distributed-'))
})

afterEach(() => stopAll(children))

afterAll(async () => {
  await redis?.remove()
  await rm(dir, { recursive: true, force: true })
})

/** A worker process of the queue `queue` (at `redisUrl`, the file's Redis unless given); resolves once it is taking jobs. */
function worker(queue: string, ...extra: string[]) {
  return startWorker(children, url, queue, ...extra)
}

function workerAt(redisUrl: string, queue: string, ...extra: string[]) {
  return startWorker(children, redisUrl, queue, ...extra)
}

/** A server that answers each record `{ id }` after `delayMs` with `{ echo: id }`, noting the auth header. */
async function recordServer(delayMs: number) {
  const auth: (string | undefined)[] = []
  const ids: string[] = []
  const server: LocalServer = await localServer(
    (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
      auth.push(request.headers.authorization)
      const id = String((JSON.parse(body.toString()) as { id?: unknown; custom_id?: unknown }).id ?? '')
      ids.push(id)
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ echo: id, usage: { prompt_tokens: 3, completion_tokens: 2 } }))
      }, delayMs)
    },
  )
  return { server, auth, ids }
}

function input(name: string, count: number): Promise<string> {
  return records(dir, name, count)
}

function expectNoPassword(...results: Result[]) {
  for (const result of results) {
    expect(result.stdout + result.stderr).not.toContain(PASSWORD)
    expect(result.stdout + result.stderr).not.toContain(SECRET)
  }
}

/** Every job's data (and every other hash and stream) in Redis, as text. */
async function everythingInRedis(): Promise<string> {
  const script = `local out = {}
for _, key in ipairs(redis.call('KEYS', '*')) do
  local kind = redis.call('TYPE', key).ok
  if kind == 'hash' then
    for _, v in ipairs(redis.call('HGETALL', key)) do table.insert(out, v) end
  elseif kind == 'stream' then
    for _, entry in ipairs(redis.call('XRANGE', key, '-', '+')) do
      for _, v in ipairs(entry[2]) do table.insert(out, v) end
    end
  elseif kind == 'list' then
    for _, v in ipairs(redis.call('LRANGE', key, 0, -1)) do table.insert(out, v) end
  end
end
return out`
  return redisCli('EVAL', script, '0')
}

describe('boundkit batch --redis with boundkit worker processes', () => {
  it('completes every record once, in order, with the auth header from the worker only', async () => {
    const queue = `q${++queueNumber}`
    const { server, auth, ids } = await recordServer(5)
    const origin = ['--origin', new URL(server.url).origin]
    try {
      const workers = [
        await worker(
          queue,
          '--concurrency',
          '4',
          '--header',
          `Authorization: ${SECRET}`,
          '--name',
          'alpha',
          ...origin,
        ),
        await worker(queue, '--concurrency', '4', '--header', `Authorization: ${SECRET}`, ...origin),
      ]
      const out = join(dir, 'two-workers.jsonl')
      const report = join(dir, 'two-workers.html')
      const result = await boundkit(
        ...['batch', await input('in60.jsonl', 60), '--url', server.url, '--out', out],
        ...['--key', 'id', '--redis', url, '--queue', queue, '--header', 'X-Run: test', '--json'],
        ...['--report', report],
      )
      expect(result.stderr).not.toContain('failed')
      expect(result.code).toBe(0)
      const written = await lines(out)
      expect(written.map((line) => line.key)).toEqual(Array.from({ length: 60 }, (_, i) => `r${i}`))
      for (const line of written) {
        expect(line).toMatchObject({ status: 200, response: { echo: line.key }, attempts: 1 })
      }
      // Each record was requested once, always with the worker's header.
      expect([...ids].sort()).toEqual(Array.from({ length: 60 }, (_, i) => `r${i}`).sort())
      expect(new Set(auth)).toEqual(new Set([SECRET]))
      // The jobs' data is in Redis (the records are there), the secret is not.
      const stored = await everythingInRedis()
      expect(stored).toContain('"id\\":\\"r59\\"')
      expect(stored).toContain('X-Run')
      expect(stored).not.toContain('sk-worker-only')
      // Both workers stop gracefully on SIGTERM (exit 0).
      for (const { child } of workers) child.kill('SIGTERM')
      const ends = await Promise.all(workers.map(({ done }) => done))
      for (const end of ends) {
        expect(end.code).toBe(0)
        expect(end.stderr).toContain('worker stopped after')
      }
      expectNoPassword(result, ...ends)
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: 60, failed: 0, requests: 60 })
      // The report's workers: each job's outcome under the name of the worker that ran it (--name, or host:pid).
      const html = await readFile(report, 'utf8')
      const data = JSON.parse(/window\.__BOUNDKIT_REPORT__=(.*?);<\/script>/s.exec(html)?.[1] ?? 'null') as {
        view: { workers: { name: string; done: number; failed: number; share: number }[] }
      }
      expect(data.view.workers.length).toBeGreaterThan(0)
      for (const w of data.view.workers) {
        expect(w.name === 'alpha' || w.name.endsWith(`:${workers[1]!.child.pid}`)).toBe(true)
      }
      expect(data.view.workers.reduce((n, w) => n + w.done, 0)).toBe(60)
      expect(data.view.workers.reduce((n, w) => n + w.share, 0)).toBeCloseTo(1)
    } finally {
      await server.close()
    }
  })

  it('completes with no duplicate and no gap when a worker is killed with kill -9 mid-run', async () => {
    const queue = `q${++queueNumber}`
    const { server, ids } = await recordServer(150)
    try {
      const lock = ['--lock-duration', '3s', '--concurrency', '3']
      const doomed = await worker(queue, ...lock)
      const out = join(dir, 'killed.jsonl')
      const run = start(
        ...['batch', await input('in40.jsonl', 40), '--url', server.url, '--out', out],
        ...['--key', 'id', '--redis', url, '--queue', queue],
      )
      children.push(run)
      // The doomed worker alone has started requests: kill it while they are in flight.
      await server.requests(2)
      doomed.child.kill('SIGKILL')
      await doomed.done
      await worker(queue, ...lock)
      const result = await run.done
      expect(result.code).toBe(0)
      const written = await lines(out)
      expect(written.map((line) => line.key)).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`))
      expect(written.every((line) => line.status === 200)).toBe(true)
      // The killed worker's jobs ran again elsewhere: some records were requested twice, yet
      // each has one line.
      expect(ids.length).toBeGreaterThan(40)
      expect(new Set(ids).size).toBe(40)
      expectNoPassword(result)
    } finally {
      await server.close()
    }
  })

  it('prints the command to resume with the password hidden, and resumes without running a record twice', async () => {
    const queue = `q${++queueNumber}`
    const { server, ids } = await recordServer(100)
    try {
      const out = join(dir, 'interrupted.jsonl')
      const args = ['batch', await input('in20.jsonl', 20), '--url', server.url, '--out', out]
      args.push('--key', 'id', '--redis', url, '--queue', queue)
      const first = start(...args)
      children.push(first)
      await worker(queue, '--concurrency', '2')
      await server.requests(3)
      first.child.kill('SIGINT')
      const interrupted = await first.done
      expect(interrupted.code).toBe(130)
      expect(interrupted.stderr).toContain(`redis://default:***@127.0.0.1:${redis.port}`)
      expectNoPassword(interrupted)
      const resumed = await boundkit(...args, '--resume')
      expect(resumed.code).toBe(0)
      const written = await lines(out)
      expect(written.map((line) => line.key)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`))
      expect(ids.length).toBe(20)
    } finally {
      await server.close()
    }
  })
})

describe('boundkit worker stopped while its Redis is down', () => {
  // A short grace period, so that the test is quick; the bound checked is far above it, and far
  // below "never", which is what a worker waiting for its Redis did.
  const GRACE = ['--close-timeout', '2s']
  const BOUND = 2000 + 40_000
  let gone: TestRedis | undefined

  afterEach(async () => {
    await gone?.remove()
    gone = undefined
  })

  /** How the worker ended after `signal`, or `undefined` if it still ran past BOUND. */
  function endAfter(started: ReturnType<typeof start>, signal: NodeJS.Signals) {
    started.child.kill(signal)
    return endsWithin(started.done, BOUND)
  }

  for (const [signal, code] of [
    ['SIGTERM', 0],
    ['SIGINT', 130],
  ] as const) {
    it(`exits ${code} within its --close-timeout after ${signal}`, async () => {
      gone = await startRedis()
      const started = await workerAt(gone.url, `q${++queueNumber}`, ...GRACE)
      await gone.stop()
      const result = await endAfter(started, signal)
      expect(result, 'still running').toBeDefined()
      expect(result?.code).toBe(code)
      expect(result?.stderr).toContain('worker stopped after')
    })
  }

  it('exits within its --close-timeout with a request in flight, saying its job goes back to the queue', async () => {
    gone = await startRedis()
    const queue = `q${++queueNumber}`
    // A server that never answers: the worker's request outlasts the grace period.
    const server = await localServer(() => {})
    try {
      const started = await workerAt(gone.url, queue, ...GRACE)
      const producer = start(
        ...['batch', await input('in1-hung.jsonl', 1), '--url', server.url, '--out', join(dir, 'hung.jsonl')],
        ...['--redis', gone.url, '--queue', queue],
      )
      children.push(producer)
      await server.requests(1)
      await gone.stop()
      const result = await endAfter(started, 'SIGTERM')
      expect(result, 'still running').toBeDefined()
      expect(result?.code).toBe(0)
      expect(result?.stderr).toContain('the 1 jobs still running go back to the queue')
    } finally {
      await server.close()
    }
  })
})

describe("boundkit batch --redis: the cluster's 429s", () => {
  it("counts in the producer's summary the 429s the workers saw and the pauses they asked for", async () => {
    const queue = `q${++queueNumber}`
    let requests = 0
    const server = await localServer((_request, response) => {
      if (++requests === 1) response.writeHead(429, { 'retry-after': '1' }).end('slow down')
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    try {
      await worker(queue)
      const out = join(dir, 'storm.jsonl')
      const result = await boundkit(
        ...['batch', await input('in2-storm.jsonl', 2), '--url', server.url, '--out', out, '--json'],
        ...['--redis', url, '--queue', queue],
      )
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({
        ok: 2,
        rateLimited: 1,
        cooldowns: 1,
        cooldownMs: 1000,
      })
    } finally {
      await server.close()
    }
  })
})

describe('boundkit batch --redis --max-response-bytes', () => {
  it("travels in the jobs: the worker stops reading a larger answer and the record fails with the cap's code", async () => {
    const queue = `q${++queueNumber}`
    const server = await localServer((_request, response, body) => {
      const id = String((JSON.parse(body.toString()) as { id: string }).id)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ echo: id, padding: id === 'r1' ? 'x'.repeat(8192) : '' }))
    })
    try {
      await worker(queue)
      const out = join(dir, 'capped.jsonl')
      const result = await boundkit(
        ...['batch', await input('in3-capped.jsonl', 3), '--url', server.url, '--out', out],
        ...['--key', 'id', '--max-response-bytes', '4KiB', '--redis', url, '--queue', queue],
      )
      expect(result.code).toBe(1)
      const written = await lines(out)
      expect(written.map((line) => line.key)).toEqual(['r0', 'r1', 'r2'])
      expect(written[1]).toMatchObject({ error: { code: 'ERR_RESPONSE_TOO_LARGE' } })
      expect(written[0]).toMatchObject({ status: 200 })
    } finally {
      await server.close()
    }
  })
})

describe('boundkit batch --redis --resume --retry-failed', () => {
  it('sends a failed record again instead of reading its failed job back', async () => {
    const queue = `q${++queueNumber}`
    let failing = true
    const ids: string[] = []
    const server = await localServer((_request, response, body) => {
      const id = String((JSON.parse(body.toString()) as { id: string }).id)
      ids.push(id)
      const fail = failing && id === 'r1'
      response.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(fail ? { error: 'boom' } : { echo: id }))
    })
    try {
      await worker(queue)
      const out = join(dir, 'retry-failed.jsonl')
      const args = ['batch', await input('in5.jsonl', 5), '--url', server.url, '--out', out]
      args.push('--key', 'id', '--retries', '0', '--redis', url, '--queue', queue)
      const first = await boundkit(...args)
      expect(first.code).toBe(1)
      expect((await lines(out))[1]).toMatchObject({
        key: 'r1',
        status: 500,
        error: { code: 'ERR_HTTP_STATUS' },
      })
      failing = false
      const again = await boundkit(...args, '--resume', '--retry-failed')
      expect(again.code).toBe(0)
      const written = await lines(out)
      expect(written.map((line) => [line.key, line.status])).toEqual(
        Array.from({ length: 5 }, (_, i) => [`r${i}`, 200]),
      )
      expect(ids.filter((id) => id === 'r1')).toHaveLength(2)
      expect(ids).toHaveLength(6)
      // A producer that cannot reach Redis fails at once, before it touches the output.
      const unreachable = await boundkit(
        ...['batch', await input('in1.jsonl', 1), '--url', server.url, '--out', join(dir, 'none.jsonl')],
        ...['--redis', `redis://default:${PASSWORD}@127.0.0.1:${await freePort()}`],
      )
      expect(unreachable.code).toBe(1)
      expect(unreachable.stderr).toContain('ERR_REDIS_UNREACHABLE')
      expect(await lines(join(dir, 'none.jsonl'))).toEqual([])
      expectNoPassword(first, again, unreachable)
    } finally {
      await server.close()
    }
  })
})

describe('boundkit llm --redis', () => {
  it("sends each request once with the worker's API key, into the Batch API output in order; --tpm counts each answer's usage in Redis", async () => {
    const queue = `q${++queueNumber}`
    const { server, auth } = await recordServer(5)
    process.env.BOUNDKIT_TEST_KEY = SECRET.slice('Bearer '.length)
    try {
      await worker(queue, '--api-key-env', 'BOUNDKIT_TEST_KEY', '--origin', new URL(server.url).origin)
      const path = join(dir, 'requests.jsonl')
      const request = (i: number) =>
        JSON.stringify({
          custom_id: `c${i}`,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { id: `c${i}` },
        })
      await writeFile(path, `${Array.from({ length: 10 }, (_, i) => request(i)).join('\n')}\n`)
      const out = join(dir, 'llm.jsonl')
      const result = await boundkit(
        ...['llm', path, '--base-url', `${server.url}v1`, '--out', out, '--rpm', '6000', '--tpm', '100000'],
        ...['--redis', url, '--queue', queue],
      )
      expect(result.code).toBe(0)
      // The workers' shared token window: each start charged its estimate (its body's 11 characters: 3
      // tokens); the 5 its answer used are more, so each start counts those.
      expect((await redisCli('GET', `bull:${queue}:boundkit:tokens:sum`)).trim()).toBe('50')
      const written = await lines(out)
      expect(written.map((line) => line.custom_id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`))
      expect(written.every((line) => (line.response as { status_code: number }).status_code === 200)).toBe(
        true,
      )
      expect(new Set(auth)).toEqual(new Set([SECRET]))
      expect(await everythingInRedis()).not.toContain('sk-worker-only')
      expectNoPassword(result)
    } finally {
      delete process.env.BOUNDKIT_TEST_KEY
      await server.close()
    }
  })
})

describe('boundkit llm --redis --max-cost', () => {
  it('stops adding jobs at the cap and writes every answer the workers were paid for', async () => {
    const queue = `q${++queueNumber}`
    let answered = 0
    // Every answer uses all of its max_tokens: about $0.0006 each at gpt-4o-mini's price.
    const greedy = await localServer((_request, response) => {
      answered++
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' })
        const usage = { prompt_tokens: 10, completion_tokens: 1000, total_tokens: 1010 }
        response.end(
          JSON.stringify({ model: 'gpt-4o-mini', choices: [{ message: { content: 'x' } }], usage }),
        )
      }, 20)
    })
    try {
      await worker(queue)
      const path = join(dir, 'capped.jsonl')
      const request = (i: number) =>
        JSON.stringify({
          custom_id: `c${i}`,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `q${i}` }], max_tokens: 1000 },
        })
      await writeFile(path, `${Array.from({ length: 40 }, (_, i) => request(i)).join('\n')}\n`)
      const out = join(dir, 'capped-out.jsonl')
      const result = await boundkit(
        ...['llm', path, '--base-url', `${greedy.url}v1`, '--out', out, '--max-cost', '0.003', '--json'],
        ...['--redis', url, '--queue', queue],
      )
      expect(result.code).toBe(3)
      const summary = JSON.parse(result.stdout)
      expect(summary.file.costUsd).toBeLessThanOrEqual(0.003)
      expect(answered).toBeGreaterThan(0)
      expect(answered).toBeLessThan(40)
      // Every answer paid for is in the output, none left behind in Redis.
      expect((await lines(out)).length).toBe(answered)
    } finally {
      await greedy.close()
    }
  })
})

/** `boundkit worker` and a `batch` producer of one record, each run to its end against `redisUrl`. */
async function bothSides(redisUrl: string, name: string): Promise<[Result, Result]> {
  const worker = await boundkit('worker', '--redis', redisUrl)
  const producer = await boundkit(
    ...['batch', await input(`in1-${name}.jsonl`, 1), '--url', 'http://127.0.0.1:9/'],
    ...['--out', join(dir, `${name}.jsonl`), '--redis', redisUrl],
  )
  return [worker, producer]
}

describe('what --redis refuses (exit 2, before any job)', () => {
  it('refuses a credential header, --api-key-env and --concurrency; a bad URL hides its password', async () => {
    const path = await input('in3.jsonl', 3)
    const out = join(dir, 'refused.jsonl')
    const header = await boundkit(
      ...['batch', path, '--url', 'http://127.0.0.1:9/', '--out', out, '--redis', url],
      ...['--header', `Authorization: ${SECRET}`],
    )
    expect(header.code).toBe(2)
    expect(header.stderr).toContain('ERR_SECRET_IN_JOB')
    const key = await boundkit('llm', path, '--out', out, '--api-key-env', 'HOME', '--redis', url)
    expect(key.code).toBe(2)
    const concurrency = await boundkit(
      ...['batch', path, '--url', 'http://127.0.0.1:9/', '--out', out, '--redis', url, '--concurrency', '4'],
    )
    expect(concurrency.code).toBe(2)
    expect(concurrency.stderr).toContain('boundkit worker --concurrency')
    const badUrl = await boundkit('worker', '--redis', `http://user:${PASSWORD}@127.0.0.1:1`)
    expect(badUrl.code).toBe(2)
    expectNoPassword(header, key, concurrency, badUrl)
  })

  it('says a wrong or missing password with its own code, not as an unreachable Redis, the password not printed', async () => {
    const [wrong, producer] = await bothSides(
      `redis://default:wrong-${PASSWORD}@127.0.0.1:${redis.port}`,
      'auth',
    )
    for (const result of [wrong, producer]) {
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('refused the user name or password')
      expect(result.stderr).toContain('ERR_REDIS_AUTH')
    }
    const missing = await boundkit('worker', '--redis', `redis://127.0.0.1:${redis.port}`)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('needs a password and none was given')
    expect(missing.stderr).toContain('ERR_REDIS_AUTH')
    expectNoPassword(wrong, producer, missing)
  })

  it('refuses a URL whose password is not percent-encoded as a usage error, the password not shown', async () => {
    const results = await bothSides(`redis://:${PASSWORD}%zz@127.0.0.1:${redis.port}`, 'malformed')
    for (const result of results) {
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('percent-encoded')
      expect(result.stderr).toContain('ERR_REDIS_URL')
    }
    expectNoPassword(...results)
  })
})
