import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { localServer } from './local-server'
import { lines } from './output-lines'
import { boundkit } from './run-cli'

// Issue 19: --key takes a dotted path, and the summary says what the run asked of the server.
const RECORDS = 20
const ids = Array.from({ length: RECORDS }, (_, i) => `c${i}`)
let dir: string
let input: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-batch-summary-'))
  input = join(dir, 'in.jsonl')
  await writeFile(
    input,
    `${ids.map((id) => JSON.stringify({ metadata: { conv_id: id }, q: '?' })).join('\n')}\n`,
  )
})

afterAll(() => rm(dir, { recursive: true, force: true }))

/** Each record's first request fails (c0's with a 429 and Retry-After: 1, the others with a 500); the second succeeds. */
async function twiceServer() {
  const seen = new Set<string>()
  const api = await localServer((_request, response, body) => {
    const id = (JSON.parse(body.toString()) as { metadata: { conv_id: string } }).metadata.conv_id
    const first = !seen.has(id)
    seen.add(id)
    if (first && id === 'c0') response.writeHead(429, { 'retry-after': '1' })
    else if (first) response.writeHead(500)
    else response.writeHead(200, { 'content-type': 'application/json' })
    response.end(first ? '' : JSON.stringify({ id }))
  })
  onTestFinished(() => api.close())
  return api
}

describe('boundkit batch summary', () => {
  it('keys records by a dotted --key path and counts requests, retries, 429s and cooldowns (--json)', async () => {
    const api = await twiceServer()
    const out = join(dir, 'json.jsonl')
    const result = await boundkit(
      ...['batch', input, '--url', api.url, '--out', out, '--key', 'metadata.conv_id', '--json'],
    )
    expect(result.code).toBe(0)
    expect((await lines(out)).map((line) => line.key)).toEqual(ids)
    expect(api.bodies).toHaveLength(2 * RECORDS)
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({
      records: RECORDS,
      ok: RECORDS,
      requests: 2 * RECORDS,
      retries: RECORDS,
      rateLimited: 1,
      cooldowns: 1,
    })
    expect(summary.cooldownMs).toBeGreaterThan(0)
  })

  it('says the same in text: 40 requests for 20 records', async () => {
    const api = await twiceServer()
    const out = join(dir, 'text.jsonl')
    const result = await boundkit(
      ...['batch', input, '--url', api.url, '--out', out, '--key', 'metadata.conv_id'],
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`${RECORDS} ok, 0 failed`)
    expect(result.stderr).toMatch(
      new RegExp(
        `${2 * RECORDS} requests for ${RECORDS} records \\(${RECORDS} retries\\); 429s: 1; cooldowns: 1 \\(\\d`,
      ),
    )
  })
})
