import OpenAI, { toFile } from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCommandLine } from '../src/command-line'
import { type RunningServer, type ServerOptions, startServer } from '../src/index'
import { judgeBody } from './http'

let server: RunningServer | undefined

/** A server whose clock moves only when the test moves it, and an SDK client. */
async function start(options: ServerOptions = {}) {
  const clock = { now: 1_000 }
  server = await startServer({ now: () => clock.now, ...options })
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test', maxRetries: 0 })
  return { client, clock, url: server.url }
}

afterEach(async () => {
  await server?.close()
  server = undefined
})

/** A Batch API request line of a judge conversation. */
function requestLine(i: number, extra: object = {}): string {
  return JSON.stringify({
    custom_id: `r-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'demo',
      messages: [{ role: 'user', content: JSON.stringify(judgeBody(`c${i}`)) }],
      max_tokens: 60,
      ...extra,
    },
  })
}

const requestFile = (lines: string[]) => toFile(Buffer.from(`${lines.join('\n')}\n`), 'requests.jsonl')

async function createBatch(client: OpenAI, lines: string[]) {
  const file = await client.files.create({ file: await requestFile(lines), purpose: 'batch' })
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  })
}

/** A line of a batch's output or error file. */
interface BatchLine {
  custom_id: string
  response: {
    status_code: number
    request_id: string
    body: Record<string, unknown> & { id?: string; error?: { param?: string } }
  } | null
  error: { code: string; message: string } | null
}

async function contentLines(client: OpenAI, id: string | null | undefined): Promise<BatchLine[]> {
  if (!id) return []
  const text = await (await client.files.content(id)).text()
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BatchLine)
}

/** The SDK's error of a failing call (the test fails if the call succeeds). */
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(OpenAI.APIError)
  return error as InstanceType<typeof OpenAI.APIError>
}

describe('the Batch API with the openai SDK', () => {
  it('uploads a file, runs a batch to completed, and answers each request as the live route does', async () => {
    const { client } = await start()
    const lines = Array.from({ length: 5 }, (_, i) => requestLine(i))
    const created = await createBatch(client, lines)
    expect(created.status).toBe('validating')
    const batch = await client.batches.retrieve(created.id)
    expect(batch.status).toBe('completed')
    expect(batch.request_counts).toEqual({ total: 5, completed: 5, failed: 0 })
    expect(batch.error_file_id).toBeNull()
    const output = await contentLines(client, batch.output_file_id)
    // Not in input order: a client must put the answers back in order by custom_id.
    expect(output.map((line) => line.custom_id)).toEqual(['r-4', 'r-3', 'r-2', 'r-1', 'r-0'])
    const live = await client.chat.completions.create(JSON.parse(lines[2]!).body)
    const answered = output.find((line) => line.custom_id === 'r-2')!
    expect(answered.error).toBeNull()
    expect(answered.response?.status_code).toBe(200)
    expect(answered.response?.request_id).toBe(answered.response?.body.id)
    expect(answered.response?.body.choices).toEqual(live.choices)
    expect(answered.response?.body.usage).toEqual(live.usage)
    const listed = await client.batches.list()
    expect(listed.data.map((b) => b.id)).toEqual([created.id])
  })

  it('expires a batch that runs past its window: the done part in the output, the rest batch_expired', async () => {
    const { client, clock } = await start({ batches: { runMs: 100_000, expireMs: 60_000 } })
    const created = await createBatch(
      client,
      Array.from({ length: 4 }, (_, i) => requestLine(i)),
    )
    expect((await client.batches.retrieve(created.id)).status).toBe('in_progress')
    clock.now += 30_000
    const running = await client.batches.retrieve(created.id)
    expect(running.status).toBe('in_progress')
    expect(running.request_counts?.completed).toBe(1)
    clock.now += 3_600_000
    const batch = await client.batches.retrieve(created.id)
    expect(batch.status).toBe('expired')
    // 60 s of 100 s: the first 2 of 4 requests were answered.
    expect(batch.request_counts).toEqual({ total: 4, completed: 2, failed: 2 })
    const output = await contentLines(client, batch.output_file_id)
    expect(output.map((line) => line.custom_id).sort()).toEqual(['r-0', 'r-1'])
    const errors = await contentLines(client, batch.error_file_id)
    expect(errors.map((line) => [line.custom_id, line.response, line.error?.code])).toEqual([
      ['r-2', null, 'batch_expired'],
      ['r-3', null, 'batch_expired'],
    ])
  })

  it('fails validation for a malformed line, a repeated custom_id, and a batch over the token limit', async () => {
    const { client } = await start({ batches: { tokenLimit: 500 } })
    const bad = await createBatch(client, [requestLine(0), '{not json', requestLine(0)])
    const failed = await client.batches.retrieve(bad.id)
    expect(failed.status).toBe('failed')
    expect(failed.output_file_id).toBeNull()
    expect(failed.errors?.data?.map((e) => [e.code, e.line])).toEqual([
      ['invalid_json_line', 2],
      ['duplicate_custom_id', 3],
    ])
    const big = await createBatch(
      client,
      Array.from({ length: 10 }, (_, i) => requestLine(i)),
    )
    const refused = await client.batches.retrieve(big.id)
    expect(refused.status).toBe('failed')
    expect(refused.errors?.data?.[0]?.code).toBe('token_limit_exceeded')
  })

  it('takes --batch-max-requests from the command line: a file of more requests fails validation naming the limit', async () => {
    const { options } = parseCommandLine(['--batch-max-requests', '5'], {})
    const { client } = await start({ ...options, port: 0 })
    const five = await createBatch(
      client,
      Array.from({ length: 5 }, (_, i) => requestLine(i)),
    )
    expect((await client.batches.retrieve(five.id)).status).not.toBe('failed')
    const six = await createBatch(
      client,
      Array.from({ length: 6 }, (_, i) => requestLine(i)),
    )
    const refused = await client.batches.retrieve(six.id)
    expect(refused.status).toBe('failed')
    expect(refused.errors?.data?.[0]?.code).toBe('too_many_requests')
    expect(refused.errors?.data?.[0]?.message).toContain('at most 5 requests')
  })

  it('answers a request the live route would refuse with its 400 in the error file', async () => {
    const { client } = await start()
    const created = await createBatch(client, [requestLine(0), requestLine(1, { messages: [] })])
    const batch = await client.batches.retrieve(created.id)
    expect(batch.status).toBe('completed')
    expect(batch.request_counts).toEqual({ total: 2, completed: 1, failed: 1 })
    const [error] = await contentLines(client, batch.error_file_id)
    expect(error?.custom_id).toBe('r-1')
    expect(error?.response?.status_code).toBe(400)
    expect(error?.response?.body.error?.param).toBe('messages')
  })

  it('cancels a running batch: what is done kept, the rest batch_cancelled', async () => {
    const { client, clock } = await start({ batches: { runMs: 40_000 } })
    const created = await createBatch(
      client,
      Array.from({ length: 4 }, (_, i) => requestLine(i)),
    )
    await client.batches.retrieve(created.id)
    clock.now += 10_000
    expect((await client.batches.cancel(created.id)).status).toBe('cancelling')
    const batch = await client.batches.retrieve(created.id)
    expect(batch.status).toBe('cancelled')
    expect(batch.request_counts).toEqual({ total: 4, completed: 1, failed: 3 })
    const errors = await contentLines(client, batch.error_file_id)
    expect(errors.map((line) => line.error?.code)).toEqual([
      'batch_cancelled',
      'batch_cancelled',
      'batch_cancelled',
    ])
  })

  it('refuses with coded 4xx: an unknown file or batch, a wrong endpoint, a file over its cap, a full store', async () => {
    const { client, url } = await start({ batches: { fileMaxBytes: 2_000, storeMaxBytes: 3_000 } })
    expect((await apiError(client.batches.retrieve('batch_nope'))).status).toBe(404)
    expect((await apiError(client.files.content('file-nope'))).status).toBe(404)
    const missing = await apiError(
      client.batches.create({
        input_file_id: 'file-nope',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    )
    expect(missing.status).toBe(404)
    const file = await client.files.create({ file: await requestFile([requestLine(0)]), purpose: 'batch' })
    const wrong = await apiError(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' }),
    )
    expect(wrong.status).toBe(400)
    const lines = Array.from({ length: 20 }, (_, i) => requestLine(i))
    expect(
      (await apiError(client.files.create({ file: await requestFile(lines), purpose: 'batch' }))).status,
    ).toBe(413)
    const five = Array.from({ length: 5 }, (_, i) => requestLine(i))
    await client.files.create({ file: await requestFile(five), purpose: 'batch' })
    const full = await apiError(client.files.create({ file: await requestFile(five), purpose: 'batch' }))
    expect(full.status).toBe(413)
    expect(full.message).toContain('storeMaxBytes')
    await client.files.delete(file.id)
    const torn = await fetch(`${url}/v1/files`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body: '--b\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbatch',
    })
    expect(torn.status).toBe(400)
    expect(((await torn.json()) as { error: { message: string } }).error.message).toContain('multipart')
  })
})
