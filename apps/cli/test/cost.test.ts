import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, startServer } from '@boundkit/server'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { localServer } from './local-server'
import { lines } from './output-lines'
import { boundkit, printedResume, start, startLine, stderrShows } from './run-cli'

// Cost under control: prices by model, --dry-run, --max-cost, totals across resumes, --errors.
let dir: string
let demo: RunningServer

beforeAll(async () => {
  demo = await startServer({ seed: 5, chatRpm: Number.POSITIVE_INFINITY, chatTpm: Number.POSITIVE_INFINITY })
})
afterAll(() => demo?.close())
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-cost-'))
  return () => rm(dir, { recursive: true, force: true })
})

function requestLine(i: number, model: string, maxTokens = 40): string {
  return JSON.stringify({
    custom_id: `r-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model,
      messages: [
        {
          role: 'user',
          content: JSON.stringify({ id: `c${i}`, question: `What is ${i}?`, answer: `${i}.` }),
        },
      ],
      max_tokens: maxTokens,
    },
  })
}

async function requests(count: number, model: string, maxTokens = 40): Promise<string> {
  const path = join(dir, 'requests.jsonl')
  await writeFile(
    path,
    `${Array.from({ length: count }, (_, i) => requestLine(i, model, maxTokens)).join('\n')}\n`,
  )
  return path
}

/** `boundkit llm <input> --out <out> --base-url <url> ...extra`. */
function llm(input: string, out: string, url: string, ...extra: string[]): string[] {
  return ['llm', input, '--out', out, '--base-url', url, ...extra]
}

/** gpt-4o-mini's price in the table: USD per 1M input and output tokens. */
const MINI = { input: 0.15, output: 0.6 }

describe('prices by model', () => {
  it("prices each answer at its model's price from the table; --price overrides", async () => {
    const input = await requests(6, 'gpt-4o-mini')
    const out = join(dir, 'out.jsonl')
    const result = await boundkit(...llm(input, out, `${demo.url}/v1`), '--json')
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout)
    const { prompt, completion } = summary.tokens
    expect(summary.costUsd).toBeCloseTo((prompt * MINI.input + completion * MINI.output) / 1e6, 6)
    expect(summary.unpriced).toBe(0)
    const fixed = await boundkit(
      ...[...llm(input, join(dir, 'fixed.jsonl'), `${demo.url}/v1`), '--json'],
      ...['--price', 'in=1,out=2'],
    )
    const again = JSON.parse(fixed.stdout)
    expect(again.costUsd).toBeCloseTo((again.tokens.prompt * 1 + again.tokens.completion * 2) / 1e6, 6)
  })

  it('says once that a model has no price, and leaves its answers out of the cost', async () => {
    const input = await requests(4, 'no-such-model-here')
    const result = await boundkit(...llm(input, join(dir, 'out.jsonl'), `${demo.url}/v1`), '--json')
    expect(result.code).toBe(0)
    expect(result.stderr.match(/has no price/g)).toHaveLength(1)
    expect(result.stderr).toContain('--price')
    expect(JSON.parse(result.stdout)).toMatchObject({ costUsd: null, unpriced: 4 })
  })
})

describe('--dry-run', () => {
  it('sends nothing and gives requests, malformed lines, tokens, the cost range and the least time at the limits', async () => {
    const stub = await localServer((_request, response) => response.end('{}'))
    onTestFinished(() => stub.close())
    const path = join(dir, 'requests.jsonl')
    const rows = Array.from({ length: 10 }, (_, i) => requestLine(i, 'gpt-4o-mini', 100))
    rows.splice(3, 0, '{"custom_id": oops')
    await writeFile(path, `${rows.join('\n')}\n`)
    const args = [...llm(path, join(dir, 'out.jsonl'), stub.url), '--rpm', '60', '--tpm', '1000']
    const result = await boundkit(...args, '--dry-run', '--json', '--skip-bad')
    expect(result.code).toBe(0)
    expect(stub.bodies).toHaveLength(0)
    const plan = JSON.parse(result.stdout)
    expect(plan).toMatchObject({
      dryRun: true,
      requests: 10,
      completionMax: 1000,
      unbounded: 0,
      binding: 'tokens',
    })
    expect(plan.malformed).toEqual([{ line: 4, reason: expect.stringContaining('malformed JSON') }])
    expect(plan.prompt).toBeGreaterThan(10 * 6)
    expect(plan.costUsd.min).toBeCloseTo((plan.prompt * MINI.input) / 1e6, 9)
    expect(plan.costUsd.max).toBeCloseTo((plan.prompt * MINI.input + 1000 * MINI.output) / 1e6, 9)
    // --tpm counts each prompt by its characters (2 + 4 a message + ceil(characters / 4)), as OpenAI's
    // rate limits do: (those + 1000 completion tokens) at 1000 tokens a minute.
    const charged = rows
      .filter((row) => !row.includes('oops'))
      .reduce((sum, row) => {
        const { messages } = JSON.parse(row).body as { messages: { content: string }[] }
        return sum + 2 + messages.reduce((n, m) => n + 4 + Math.ceil(m.content.length / 4), 0)
      }, 0)
    expect(plan.chargedPrompt).toBe(charged)
    expect(plan.minMs).toBe(Math.round(((charged + 1000) / 1000) * 60_000))
    // Without --skip-bad the run would refuse the malformed line: exit 2, and the text says why.
    const text = await boundkit(...args, '--dry-run')
    expect(text.code).toBe(2)
    expect(text.stdout).toContain('line 4: malformed JSON')
    expect(text.stdout).toMatch(/cost gpt-4o-mini: \$[\d.]+ \.\. \$[\d.]+ \(price table\)/)
  })
})

/** A server whose every answer uses all of max_tokens, its prompt counted by the real tokenizer. */
function greedy(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  void request
  const chat = JSON.parse(body.toString()) as {
    model: string
    messages: { content: string }[]
    max_tokens: number
  }
  const prompt = chat.messages.reduce((sum, m) => sum + countTokens(m.content), 0)
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: chat.max_tokens,
    total_tokens: prompt + chat.max_tokens,
  }
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end(
    JSON.stringify({ id: 'x', model: chat.model, choices: [{ message: { content: 'ok' } }], usage }),
  )
}

describe('--max-cost', () => {
  it('never passes the cap, even against answers that use every max_tokens, and a resumed run counts what the output holds', async () => {
    const stub = await localServer(greedy)
    onTestFinished(() => stub.close())
    const input = await requests(200, 'gpt-4o-mini', 1000)
    const out = join(dir, 'out.jsonl')
    // About $0.0006 a request: the cap lets some 30 through, far fewer than 200.
    const cap = 0.02
    const args = [...llm(input, out, stub.url), '--concurrency', '8', '--max-cost', String(cap)]
    const first = await boundkit(...args, '--json')
    expect(first.code).toBe(3)
    const summary = JSON.parse(first.stdout)
    expect(summary).toMatchObject({ stoppedBy: 'max-cost', interrupted: false, maxCostUsd: cap })
    expect(summary.file.costUsd).toBeLessThanOrEqual(cap)
    expect(summary.ok).toBeGreaterThan(10)
    expect(summary.ok).toBeLessThan(200)
    expect(first.stderr).toContain('Stopped at --max-cost')
    const sent = stub.bodies.length
    expect((await lines(out)).length).toBe(sent)

    // The same cap again: what the output holds counts, so nothing more is sent.
    const again = await boundkit(...args, '--resume', '--json')
    expect(again.code).toBe(3)
    expect(stub.bodies.length).toBe(sent)

    // A higher cap, through the printed command with its --max-cost raised: the rest, and the totals of the whole file.
    const raised = printedResume(first.stderr).replace(`--max-cost ${cap}`, '--max-cost 1')
    const last = await startLine(`${raised} --json`).done
    expect(last.code).toBe(0)
    const whole = JSON.parse(last.stdout)
    expect(whole.file.answers).toBe(200)
    expect(whole.answers).toBe(200 - sent)
    expect(whole.file.costUsd).toBeCloseTo(summary.file.costUsd + whole.costUsd, 5)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(
      Array.from({ length: 200 }, (_, i) => `r-${i}`),
    )
  })

  it('refuses, before any request, a line whose answer has no bound or whose model has no price', async () => {
    const stub = await localServer(greedy)
    onTestFinished(() => stub.close())
    const path = join(dir, 'requests.jsonl')
    const unbounded = JSON.parse(requestLine(1, 'gpt-4o-mini'))
    delete unbounded.body.max_tokens
    await writeFile(
      path,
      `${requestLine(0, 'gpt-4o-mini')}\n${JSON.stringify(unbounded)}\n${requestLine(2, 'mystery')}\n`,
    )
    const result = await boundkit(...llm(path, join(dir, 'out.jsonl'), stub.url), '--max-cost', '1')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(':2: no max_tokens')
    expect(stub.bodies).toHaveLength(0)
    const skipping = await boundkit(
      ...[...llm(path, join(dir, 'skip.jsonl'), stub.url), '--max-cost', '1', '--skip-bad'],
    )
    expect(skipping.code).toBe(0)
    expect(skipping.stderr).toContain(':3: model "mystery" has no price')
    expect(stub.bodies).toHaveLength(1)
  })
})

describe('--max-cost when an answer cannot be priced', () => {
  it("counts an answer without usage at its worst case, and prices a model the table lacks at the asked model's price", async () => {
    let answered = 0
    const noUsage = await localServer((_request, response) => {
      answered++
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({ id: 'x', model: 'acme-finetune-7', choices: [{ message: { content: 'ok' } }] }),
      )
    })
    onTestFinished(() => noUsage.close())
    const input = await requests(200, 'gpt-4o-mini', 1000)
    const out = join(dir, 'out.jsonl')
    const result = await boundkit(
      ...llm(input, out, noUsage.url, '--max-cost', '0.01', '--concurrency', '4', '--json'),
    )
    // About $0.0006 a worst case: the cap stops the run after some 16 answers, not 200.
    expect(result.code).toBe(3)
    expect(answered).toBeLessThan(30)
    expect((await lines(out)).length).toBe(answered)
  })

  it('after the cap stopped the run, a Ctrl-C is the first: the requests in flight still end and are written', async () => {
    let answered = 0
    const slow = await localServer((request, response, body) => {
      setTimeout(() => {
        answered++
        greedy(request, response, body)
      }, 1500)
    })
    onTestFinished(() => slow.close())
    const input = await requests(50, 'gpt-4o-mini', 1000)
    const out = join(dir, 'out.jsonl')
    const run = start(...llm(input, out, slow.url, '--max-cost', '0.003', '--concurrency', '8'))
    await stderrShows(run.child, 'Stopped: --max-cost')
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.stderr).not.toContain('Interrupted again')
    expect(result.code).toBe(130)
    expect(answered).toBeGreaterThan(0)
    expect((await lines(out)).length).toBe(answered)
  })
})

describe('--errors refuses a file it would replace', () => {
  it('the input, or a path it cannot write: exit 2, nothing sent, no output left', async () => {
    const stub = await localServer((_request, response) => response.end('{}'))
    onTestFinished(() => stub.close())
    const input = await requests(3, 'gpt-4o-mini')
    const before = await readFile(input, 'utf8')
    const out = join(dir, 'out.jsonl')
    const same = await boundkit(...llm(input, out, stub.url, '--errors', input))
    expect(same.code).toBe(2)
    expect(same.stderr).toContain('is the input')
    expect(await readFile(input, 'utf8')).toBe(before)
    const nowhere = await boundkit(
      ...llm(input, out, stub.url, '--errors', join(dir, 'no', 'such', 'dir', 'e.jsonl')),
    )
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toContain('--errors')
    expect(stub.bodies).toHaveLength(0)
    await expect(readFile(out, 'utf8')).rejects.toThrow()
  })
})

describe('--errors', () => {
  it('writes the failed lines to their own file: each record whose newest line is a failure', async () => {
    let calls = 0
    const flaky = await localServer((request, response, body) => {
      // The first answer for r-1 and r-3 is a 400 (not retried); a later run gets 200s.
      const id = JSON.parse(body.toString()).messages[0].content.includes('"c1"')
        ? 1
        : JSON.parse(body.toString()).messages[0].content.includes('"c3"')
          ? 3
          : 0
      if (id !== 0 && calls++ < 2) {
        response.writeHead(400, { 'content-type': 'application/json' })
        response.end('{"error":{"message":"bad","code":"bad_request"}}')
        return
      }
      greedy(request, response, body)
    })
    onTestFinished(() => flaky.close())
    const input = await requests(5, 'gpt-4o-mini')
    const out = join(dir, 'out.jsonl')
    const errors = join(dir, 'errors.jsonl')
    const args = [...llm(input, out, flaky.url), '--errors', errors, '--concurrency', '1']
    const first = await boundkit(...args)
    expect(first.code).toBe(1)
    expect(
      (await lines(errors)).map((line) => [line.custom_id, (line.error as { code: string }).code]),
    ).toEqual([
      ['r-1', 'bad_request'],
      ['r-3', 'bad_request'],
    ])
    const retried = await boundkit(...args, '--resume', '--retry-failed')
    expect(retried.code).toBe(0)
    expect(await readFile(errors, 'utf8')).toBe('')
  })
})
