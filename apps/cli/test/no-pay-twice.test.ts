import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type LocalServer, localServer } from './local-server'
import { lines } from './output-lines'
import { boundkit, start } from './run-cli'

// An answer received is on disk before the records ahead of it end: a kill -9 while an early record
// waits out a long Retry-After costs at most the requests in flight at the kill.
let dir: string
const RECORDS = 60

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-no-pay-twice-'))
  return () => rm(dir, { recursive: true, force: true })
})

/** A server that answers the first attempt of `slow` with 503 and a long Retry-After, every other one 200 after 5 ms. */
function chatServer(slowId: string) {
  const served = new Map<string, number>()
  let inFlight = 0
  let firstSlow = true
  const answer = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const id = bodyId(request, body)
    if (id === slowId && firstSlow) {
      firstSlow = false
      response.writeHead(503, { 'retry-after': '60', 'content-type': 'application/json' })
      response.end('{"error":{"message":"busy"}}')
      return
    }
    inFlight++
    setTimeout(() => {
      inFlight--
      served.set(id, (served.get(id) ?? 0) + 1)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ id: `chatcmpl-${id}`, choices: [{ message: { content: id } }] }))
    }, 5)
  }
  return { answer, served, inFlight: () => inFlight }
}

/** The request's conversation id, from its only message. */
function bodyId(_request: IncomingMessage, body: Buffer): string {
  return (JSON.parse(body.toString()) as { messages: { content: string }[] }).messages[0]!.content
}

async function requests(count: number): Promise<string> {
  const path = join(dir, 'requests.jsonl')
  const rows = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      custom_id: `r-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'm', messages: [{ role: 'user', content: `r-${i}` }] },
    }),
  )
  await writeFile(path, `${rows.join('\n')}\n`)
  return path
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('boundkit llm: no answer paid for twice', () => {
  let server: LocalServer | undefined
  afterEach(() => server?.close())

  it('a kill -9 while the first record waits out a Retry-After: the resumed run asks again for nothing answered', async () => {
    const chat = chatServer('r-0')
    server = await localServer(chat.answer)
    const input = await requests(RECORDS)
    const out = join(dir, 'out.jsonl')
    const args = ['llm', input, '--out', out, '--base-url', server.url, '--concurrency', '4']
    const first = start(...args)
    // Every record but the first is answered; the first waits out its 60 s Retry-After. The answers
    // wait in memory for it, and are on disk in the journal meanwhile.
    await until(async () => (await lines(`${out}.journal`)).length >= RECORDS - 1)
    const inFlightAtKill = chat.inFlight()
    first.child.kill('SIGKILL')
    await first.done
    // Nothing could be written in input order yet: the answers are in the journal.
    expect(await lines(out)).toEqual([])
    expect((await stat(`${out}.journal`)).size).toBeGreaterThan(0)

    // Without --resume the journal's answers are not thrown away.
    const refused = await boundkit(...args)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('pass --resume')

    const resumed = await boundkit(...args, '--resume')
    expect(resumed.code).toBe(0)
    const servedTwice = [...chat.served.values()].filter((n) => n > 1).length
    expect(servedTwice).toBeLessThanOrEqual(inFlightAtKill)
    expect(chat.served.get('r-0')).toBe(1)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(
      Array.from({ length: RECORDS }, (_, i) => `r-${i}`),
    )
    await expect(stat(`${out}.journal`)).rejects.toThrow()
  })
})

describe('the journal is gone after a run that wrote every line', () => {
  let server: LocalServer | undefined
  afterEach(() => server?.close())

  it('leaves only the ordered output', async () => {
    const chat = chatServer('none')
    server = await localServer(chat.answer)
    const input = await requests(20)
    const out = join(dir, 'out.jsonl')
    const result = await boundkit('llm', input, '--out', out, '--base-url', server.url, '--concurrency', '8')
    expect(result.code).toBe(0)
    expect((await readFile(out, 'utf8')).split('\n').filter(Boolean)).toHaveLength(20)
    await expect(stat(`${out}.journal`)).rejects.toThrow()
  })
})

describe('an output left out of input order by a folded journal', () => {
  let server: LocalServer | undefined
  afterEach(() => server?.close())

  it('is put back in order by the next run that completes, even one that sends nothing', async () => {
    const chat = chatServer('none')
    server = await localServer(chat.answer)
    const input = await requests(3)
    const out = join(dir, 'out.jsonl')
    const line = (i: number) =>
      JSON.stringify({
        id: `x${i}`,
        custom_id: `r-${i}`,
        response: { status_code: 200, body: {} },
        error: null,
      })
    // What a run stopped after a fold leaves: the folded line at the end, and the mark.
    await writeFile(out, `${line(0)}\n${line(2)}\n${line(1)}\n`)
    await writeFile(`${out}.unordered`, '')
    const result = await boundkit('llm', input, '--out', out, '--base-url', server.url, '--resume')
    expect(result.code).toBe(0)
    expect(server.bodies).toHaveLength(0)
    expect((await lines(out)).map((l) => l.custom_id)).toEqual(['r-0', 'r-1', 'r-2'])
    await expect(stat(`${out}.unordered`)).rejects.toThrow()
  })
})
