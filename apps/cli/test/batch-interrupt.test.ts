import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type LocalServer, localServer, ok } from './local-server'
import { boundkit, start } from './run-cli'

// Issue 18 #10: Ctrl-C while a retry waits out a Retry-After. The wait (280 s) is longer than the
// test's timeout, so a run that waits it out fails the test; the limiter's cap (300 s) does not cut it.
const RETRY_AFTER = '280'

let dir: string
let input: string
let out: string
const servers: LocalServer[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-batch-interrupt-'))
  input = join(dir, 'in.jsonl')
  out = join(dir, 'out.jsonl')
  await writeFile(input, '{"id":"a"}\n{"id":"b"}\n{"id":"c"}\n')
})

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
  await rm(dir, { recursive: true, force: true })
})

async function server(answer: Parameters<typeof localServer>[0]): Promise<LocalServer> {
  const started = await localServer(answer)
  servers.push(started)
  return started
}

// A 429: its Retry-After pauses every request (a lone 503's may delay only its own record).
function busy(_request: unknown, response: ServerResponse): void {
  response.writeHead(429, { 'retry-after': RETRY_AFTER, 'content-type': 'application/json' })
  response.end('{"error":"busy"}')
}

async function outputText(): Promise<string> {
  return readFile(out, 'utf8').catch(() => '')
}

/** Runs the batch again with --resume against a server that answers 200; the output's keys, in file order. */
async function resumeOnHealthyServer(): Promise<string[]> {
  const healthy = await server(ok)
  const resumed = await boundkit(
    'batch',
    input,
    '--url',
    healthy.url,
    '--out',
    out,
    '--key',
    'id',
    '--resume',
  )
  expect(resumed.code).toBe(0)
  return (await outputText())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).key)
}

async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setTimeout(resolve, 20))
}

describe('boundkit batch, Ctrl-C during a Retry-After wait', () => {
  it('the first Ctrl-C ends the waiting retry at once: exit 130, no line written, the resumed run sends it', async () => {
    const api = await server(busy)
    const run = start('batch', input, '--url', api.url, '--out', out, '--key', 'id', '--concurrency', '1')
    await api.requests(1)
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(/To continue, run:\n {2}\S*node \S*main\.js batch .* --resume/)
    expect(await outputText()).toBe('')
    expect(api.bodies).toHaveLength(1)

    expect(await resumeOnHealthyServer()).toEqual(['a', 'b', 'c'])
  })

  it('a resumed run that fills a gap left by Ctrl-C leaves the output in input order', async () => {
    // b waits out a 503's Retry-After (which delays only b) while a and c are written; Ctrl-C leaves
    // the file a, c.
    const api = await server((request, response, body) => {
      if (JSON.parse(body.toString()).id !== 'b') return ok(request, response)
      response.writeHead(503, { 'retry-after': RETRY_AFTER })
      response.end()
    })
    const run = start('batch', input, '--url', api.url, '--out', out, '--key', 'id', '--concurrency', '3')
    // The ordered writer holds c behind b; b's Retry-After wait holds until Ctrl-C ends it unwritten.
    await until(() => api.bodies.length >= 3)
    run.child.kill('SIGINT')
    expect((await run.done).code).toBe(130)
    expect(await resumeOnHealthyServer()).toEqual(['a', 'b', 'c'])
  })

  it('the second Ctrl-C exits at once (130) while a request is still in flight', async () => {
    // The first record waits out a Retry-After; the second never gets an answer.
    const api = await server((request, response, body) => {
      if (body.toString().includes('"a"')) busy(request, response)
    })
    const run = start('batch', input, '--url', api.url, '--out', out, '--key', 'id', '--concurrency', '2')
    run.child.stderr?.setEncoding('utf8')
    let stderr = ''
    run.child.stderr?.on('data', (text: string) => {
      stderr += text
    })
    await api.requests(2)
    run.child.kill('SIGINT')
    await until(() => stderr.includes('waiting for the ones in flight'))
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(/exiting now.*\n {2}\S*node \S*main\.js batch .* --resume/)
    expect(await outputText()).toBe('')
  })

  it('a request in flight at the first Ctrl-C that then fails with a Retry-After is not retried and not written', async () => {
    let held: ServerResponse | undefined
    const api = await server((_request, response) => {
      held = response
    })
    const run = start('batch', input, '--url', api.url, '--out', out, '--key', 'id', '--concurrency', '1')
    run.child.stderr?.setEncoding('utf8')
    let stderr = ''
    run.child.stderr?.on('data', (text: string) => {
      stderr += text
    })
    await api.requests(1)
    run.child.kill('SIGINT')
    await until(() => stderr.includes('waiting for the ones in flight'))
    busy(undefined, held as ServerResponse)
    const result = await run.done
    expect(result.code).toBe(130)
    expect(result.stderr).toContain('3 of 3 records not written yet')
    expect(await outputText()).toBe('')
    expect(api.bodies).toHaveLength(1)
  })
})
