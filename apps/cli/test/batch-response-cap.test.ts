import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it, onTestFinished } from 'vitest'
import { localServer } from './local-server'
import { boundkit } from './run-cli'

// Issue 18 #7: a huge answer must not take the process down; reading stops at --max-response-bytes.
it('stops reading an endless response at --max-response-bytes and records ERR_RESPONSE_TOO_LARGE', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'boundkit-batch-cap-'))
  const closedEarly: boolean[] = []
  // The body never ends: only the client closing the connection stops it.
  const server = await localServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let open = true
    response.on('close', () => {
      open = false
      closedEarly.push(!response.writableEnded)
    })
    const pump = async () => {
      response.write('[')
      while (open) if (!response.write(chunk)) await once(response, 'drain')
    }
    void pump().catch(() => {})
  })
  onTestFinished(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })
  const input = join(dir, 'in.jsonl')
  const out = join(dir, 'out.jsonl')
  await writeFile(input, '{"id":"big"}\n')
  const result = await boundkit(
    ...['batch', input, '--url', server.url, '--out', out, '--key', 'id'],
    ...['--max-response-bytes', '1MiB', '--retries', '2'],
  )
  expect(result.code).toBe(1)
  const [line] = (await readFile(out, 'utf8')).split('\n').map((text) => text && JSON.parse(text))
  expect(line).toMatchObject({
    key: 'big',
    status: 200,
    attempts: 1,
    error: { code: 'ERR_RESPONSE_TOO_LARGE', status: 200 },
  })
  expect(line.error.message).toContain('1048576 bytes')
  expect(closedEarly).toEqual([true])
})

it('refuses an answer whose Content-Length is past the cap without reading it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'boundkit-batch-cap-'))
  const server = await localServer((_request, response) => {
    response.writeHead(503, { 'content-type': 'text/plain', 'content-length': String(4096) })
    response.end('x'.repeat(4096))
  })
  onTestFinished(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })
  const input = join(dir, 'in.jsonl')
  const out = join(dir, 'out.jsonl')
  await writeFile(input, '{"id":"a"}\n')
  const result = await boundkit(
    ...['batch', input, '--url', server.url, '--out', out],
    ...['--max-response-bytes', '1024', '--retries', '0'],
  )
  expect(result.code).toBe(1)
  expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({
    key: 1,
    status: 503,
    error: { code: 'ERR_RESPONSE_TOO_LARGE', status: 503 },
  })
})

it('refuses a --max-response-bytes that is not a size: exit 2', async () => {
  const result = await boundkit(
    ...['batch', 'in.jsonl', '--url', 'http://127.0.0.1:9/', '--out', 'o.jsonl'],
    ...['--max-response-bytes', 'lots'],
  )
  expect(result.code).toBe(2)
  expect(result.stderr).toContain('Expected --max-response-bytes to be a size in bytes')
})
