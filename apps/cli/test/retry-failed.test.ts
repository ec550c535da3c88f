import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type LocalServer, localServer } from './local-server'
import { lines, waitForLines } from './output-lines'
import { boundkit, start } from './run-cli'

// Issue 19: --resume --retry-failed sends again the records whose line is a failure, survives a
// kill -9 at any moment, and ends with one line per record, the newest, in input order.
const RECORDS = 60
const ids = Array.from({ length: RECORDS }, (_, i) => `c${i}`)
/** How many first requests of each record the server fails (400: not retried within a run). */
const failures = (i: number) => (i % 10 === 5 ? 2 : i % 4 === 0 ? 1 : 0)

let dir: string
let server: LocalServer | undefined

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-retry-failed-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
  await rm(dir, { recursive: true, force: true })
})

/**
 * A server that fails each record's first `failures(i)` requests, waits `delay.ms` before answering,
 * and remembers the status it last sent for each id (the record's newest outcome).
 */
async function flakyServer(idOf: (body: Record<string, unknown>) => string) {
  const seen = new Map<string, number>()
  const last = new Map<string, number>()
  const delay = { ms: 0 }
  server = await localServer((_request, response: ServerResponse, body) => {
    const id = idOf(JSON.parse(body.toString()))
    const count = (seen.get(id) ?? 0) + 1
    seen.set(id, count)
    const status = count <= failures(Number(id.replace(/\D/g, ''))) ? 400 : 200
    setTimeout(() => {
      last.set(id, status)
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(status === 200 ? { id, try: count } : { error: { message: 'bad' } }))
    }, delay.ms)
  })
  return { url: server.url, last, delay }
}

/** The output holds exactly one line per record, in input order, each the newest outcome sent. */
async function expectNewestInOrder(out: string, key: string, last: Map<string, number>, status: string) {
  const written = await lines(out)
  expect(written.map((line) => line[key])).toEqual(ids)
  for (const line of written) {
    const sent = last.get(line[key] as string)
    expect(
      status === 'status_code' ? (line.response as { status_code: number }).status_code : line[status],
    ).toBe(sent)
  }
  expect(existsSync(`${out}.compact`)).toBe(false)
  expect(existsSync(`${out}.lock`)).toBe(false)
}

describe('boundkit batch --resume --retry-failed', () => {
  it('sends failures again through a kill -9, and ends with one newest line per record in input order', async () => {
    const api = await flakyServer((body) => body.id as string)
    const input = join(dir, 'in.jsonl')
    await writeFile(input, `${ids.map((id) => JSON.stringify({ id })).join('\n')}\n`)
    const out = join(dir, 'out.jsonl')
    const args = ['batch', input, '--url', api.url, '--out', out, '--key', 'id', '--retries', '0']
    const failedFirst = ids.filter((_, i) => failures(i) > 0).length

    // 1. The first run: some records fail (400, not retried).
    const first = await boundkit(...args, '--concurrency', '4')
    expect(first.code).toBe(1)
    expect(first.stderr).toContain(`${failedFirst} of ${RECORDS} records failed`)
    expect(first.stderr).toContain('--resume --retry-failed')

    // 2. --resume alone counts them as done, as before, but says how many failed and what to add.
    const plain = await boundkit(...args, '--resume')
    expect(plain.code).toBe(0)
    expect(plain.stdout).toContain(`0 ok, 0 failed, ${RECORDS} already done (${failedFirst} of them failed)`)
    expect(plain.stderr).toContain(
      `${failedFirst} of the ${RECORDS} records already done had failed (their newest line in ${out} is an error): add --retry-failed`,
    )

    // 3. --retry-failed, killed with SIGKILL once it has appended a few new lines.
    api.delay.ms = 100
    const killed = start(...args, '--resume', '--retry-failed', '--concurrency', '1')
    await waitForLines(out, RECORDS + 3)
    killed.child.kill('SIGKILL')
    expect((await killed.done).signal).toBe('SIGKILL')
    const appended = await lines(out)
    expect(appended.length).toBeGreaterThanOrEqual(RECORDS + 3)
    api.delay.ms = 0

    // 4. Again: the failures left (the records that fail twice and were not yet sent) fail again.
    const again = await boundkit(...args, '--resume', '--retry-failed', '--concurrency', '4')
    expect(again.code).toBe(1)
    await expectNewestInOrder(out, 'key', api.last, 'status')
    const left = (await lines(out)).filter((line) => line.status !== 200).length
    expect(left).toBeGreaterThan(0)

    // 5. And once more: every record ok, one line each, in input order.
    const last = await boundkit(...args, '--resume', '--retry-failed', '--json')
    expect(last.code).toBe(0)
    await expectNewestInOrder(out, 'key', api.last, 'status')
    expect((await lines(out)).every((line) => line.status === 200)).toBe(true)
    expect(JSON.parse(last.stdout)).toMatchObject({
      records: RECORDS,
      alreadyDone: RECORDS - left,
      alreadyFailed: 0,
      resent: left,
      ok: left,
      failed: 0,
      requests: left,
      retries: 0,
    })
  })
})

describe('boundkit llm --resume --retry-failed', () => {
  it('sends the failed custom_ids again and ends with one newest line per custom_id in input order', async () => {
    const api = await flakyServer((body) => (body.metadata as { id: string }).id)
    const input = join(dir, 'requests.jsonl')
    const request = (id: string) =>
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], metadata: { id } },
      })
    await writeFile(input, `${ids.map(request).join('\n')}\n`)
    const out = join(dir, 'results.jsonl')
    const args = ['llm', input, '--out', out, '--base-url', api.url, '--max-attempts', '1']

    expect((await boundkit(...args)).code).toBe(1)
    const once = await boundkit(...args, '--resume', '--retry-failed')
    expect(once.code).toBe(1)
    await expectNewestInOrder(out, 'custom_id', api.last, 'status_code')
    const twice = await boundkit(...args, '--resume', '--retry-failed')
    expect(twice.code).toBe(0)
    await expectNewestInOrder(out, 'custom_id', api.last, 'status_code')
    expect((await lines(out)).every((line) => line.error === null)).toBe(true)
  })
})
