import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HttpError } from '../../http'
import {
  answerCost,
  anthropicFailed,
  anthropicLine,
  anthropicPrior,
  anthropicRequest,
  detectProvider,
} from './anthropic'
import { parseProvider } from './anthropic-flags'
import { type LlmFlags, llmSettings, parseBaseUrl } from './settings'

const dir = mkdtempSync(join(tmpdir(), 'boundkit-anthropic-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const anthropicLineText = JSON.stringify({
  custom_id: 'a',
  params: { model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] },
})
const openaiLineText = JSON.stringify({
  custom_id: 'a',
  method: 'POST',
  url: '/v1/chat/completions',
  body: {},
})

describe('detectProvider', () => {
  it('reads the first non-empty line: params without url or body is Anthropic', () => {
    expect(detectProvider(file('a.jsonl', `\n\n${anthropicLineText}\n`))).toBe('anthropic')
    expect(detectProvider(file('o.jsonl', `${openaiLineText}\n`))).toBe('openai')
    const both = JSON.stringify({ custom_id: 'a', params: {}, url: '/v1/x', body: {} })
    expect(detectProvider(file('b.jsonl', both))).toBe('openai')
    expect(detectProvider(file('bad.jsonl', '{not json\n'))).toBe('openai')
    expect(detectProvider(join(dir, 'missing.jsonl'))).toBe('openai')
  })

  it('reads a first line longer than one read (a long prompt), and one after a byte order mark', () => {
    const long = JSON.stringify({
      custom_id: 'long',
      params: { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'x'.repeat(200_000) }] },
    })
    expect(detectProvider(file('long.jsonl', `${long}\n${anthropicLineText}\n`))).toBe('anthropic')
    expect(detectProvider(file('bom.jsonl', `\uFEFF${anthropicLineText}\n`))).toBe('anthropic')
  })
})

describe('anthropicRequest', () => {
  it('sends params to /v1/messages, or says why the line is not a request', () => {
    expect(anthropicRequest(JSON.parse(anthropicLineText))).toEqual({
      customId: 'a',
      path: '/v1/messages',
      body: JSON.parse(anthropicLineText).params,
    })
    expect(anthropicRequest({ custom_id: '', params: {} })).toEqual({
      reason: 'expected "custom_id" to be a non-empty string, got ""',
    })
    expect(anthropicRequest({ custom_id: 'x', params: [] })).toEqual({
      reason: 'expected "params" to be a JSON object, got []',
    })
  })
})

describe('anthropicLine', () => {
  const timing = { jsonAnswer: false, attempts: 2, ms: 12.34 }
  const record = (result: { line: unknown }) => result.line as Record<string, unknown>

  it('writes a succeeded result with the message', () => {
    const message = { id: 'msg_1', type: 'message', usage: { input_tokens: 3, output_tokens: 4 } }
    const answer = { status: 200, headers: new Headers(), body: message }
    const written = anthropicLine('a', { value: answer }, timing)
    const line = record(written)
    expect(written.ok).toBe(true)
    expect(line).toEqual({ custom_id: 'a', result: { type: 'succeeded', message }, attempts: 2, ms: 12.3 })
    expect(anthropicFailed(line)).toBe(false)
    expect(anthropicPrior(line)).toEqual({ response: { body: message } })
  })

  it('with --json-answer, parses the first text block into answer, or fails the line with ERR_ANSWER_NOT_JSON', () => {
    const message = (text: string) => ({
      type: 'message',
      content: [
        { type: 'thinking', thinking: '...' },
        { type: 'text', text },
      ],
    })
    const answer = (text: string) => ({ status: 200, headers: new Headers(), body: message(text) })
    const json = anthropicLine('a', { value: answer('{"verdict":"pass"}') }, { ...timing, jsonAnswer: true })
    expect(json.ok).toBe(true)
    expect(record(json)).toMatchObject({ result: { type: 'succeeded' }, answer: { verdict: 'pass' } })
    expect(anthropicFailed(record(json))).toBe(false)
    const prose = anthropicLine('a', { value: answer('It passes.') }, { ...timing, jsonAnswer: true })
    expect(prose.ok).toBe(false)
    expect(record(prose)).toMatchObject({
      result: { type: 'succeeded', message: message('It passes.') },
      error: {
        code: 'ERR_ANSWER_NOT_JSON',
        message: `the message's text is not JSON (--json-answer): "It passes."`,
      },
    })
    expect(anthropicFailed(record(prose))).toBe(true)
  })

  it("writes an errored result with the API's own error, else one of the status or the failure", () => {
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }
    const api = anthropicLine('a', { error: new HttpError(529, new Headers(), body) }, timing)
    expect(api.ok).toBe(false)
    expect(record(api).result).toEqual({ type: 'errored', error: body })
    expect(anthropicFailed(record(api))).toBe(true)
    expect(anthropicPrior(record(api))).toEqual({})

    const plain = anthropicLine('a', { error: new HttpError(404, new Headers(), 'no') }, timing)
    expect(record(plain).result).toMatchObject({
      type: 'errored',
      error: { error: { type: 'not_found_error' } },
    })

    const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const down = anthropicLine('a', { error: network }, timing)
    expect(record(down).result).toEqual({
      type: 'errored',
      error: { type: 'error', error: { type: 'api_error', message: 'connect ECONNREFUSED' } },
    })
  })
})

describe('answerCost', () => {
  it('charges --itpm the prompt less what was read from the cache, as Anthropic counts input tokens per minute', () => {
    const usage = {
      input_tokens: 20,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 3000,
      output_tokens: 50,
    }
    expect(answerCost({ usage })).toEqual({ 'input-tokens': 1020, 'output-tokens': 50 })
    expect(answerCost({ usage: { input_tokens: 20, output_tokens: 50 } })).toEqual({
      'input-tokens': 20,
      'output-tokens': 50,
    })
    expect(answerCost({})).toBeUndefined()
  })
})

describe('llm settings of an Anthropic file', () => {
  const flags = (extra: Partial<LlmFlags> = {}): LlmFlags => ({
    out: 'o',
    baseUrl: parseBaseUrl('https://api.openai.com/v1'),
    concurrency: 'auto',
    maxAttempts: 3,
    timeout: 1000,
    maxResponseBytes: 2 ** 20,
    ...extra,
  })
  const input = file('requests.jsonl', `${anthropicLineText}\n`)

  it("takes Anthropic's base URL, x-api-key from ANTHROPIC_API_KEY and anthropic-version", () => {
    const settings = llmSettings(input, flags({ itpm: 1000, otpm: 200 }), [], { ANTHROPIC_API_KEY: 'sk-ant' })
    expect(settings).toMatchObject({
      provider: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
      itpm: 1000,
      otpm: 200,
    })
    expect(settings.headers).toEqual({ 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' })
    // No key set: no x-api-key (the API answers 401 on each line); a given --base-url stays.
    const local = llmSettings(input, flags({ baseUrl: 'http://127.0.0.1:9' }), ['baseUrl'], {})
    expect(local).toMatchObject({
      baseUrl: 'http://127.0.0.1:9',
      headers: { 'anthropic-version': '2023-06-01' },
    })
    expect(local.headers).not.toHaveProperty('x-api-key')
    const named = llmSettings(input, flags({ apiKeyEnv: 'MY_KEY' }), [], { MY_KEY: 'k' })
    expect(named.headers['x-api-key']).toBe('k')
    expect(() => llmSettings(input, flags({ apiKeyEnv: 'MY_KEY' }), [], {})).toThrow(/MY_KEY/)
  })

  it('--provider is openai or anthropic', () => {
    expect(parseProvider(' Anthropic ')).toBe('anthropic')
    expect(() => parseProvider('claude')).toThrow(
      "Expected --provider to be 'openai' or 'anthropic', got 'claude'",
    )
  })

  it('--provider wins over the file; --itpm/--otpm need Anthropic; OpenAI-only flags are refused', () => {
    expect(llmSettings(input, flags({ provider: 'openai' }), [], {}).provider).toBe('openai')
    const openai = file('openai.jsonl', `${openaiLineText}\n`)
    expect(() => llmSettings(openai, flags({ itpm: 5 }), [], {})).toThrow(/--itpm and --otpm/)
    expect(llmSettings(openai, flags({ provider: 'anthropic' }), [], {}).provider).toBe('anthropic')
    expect(() => llmSettings(input, flags({ azure: true }), [], {})).toThrow(/--azure/)
    expect(() =>
      llmSettings(input, flags({ template: 't', model: 'm', provider: 'anthropic' }), [], {}),
    ).toThrow(/--template/)
    expect(() => llmSettings(input, flags({ redis: 'redis://127.0.0.1' }), [], {})).toThrow(/--redis/)
    expect(() => llmSettings(input, flags({ via: 'batch' }), [], {})).toThrow(/Batch API/)
    expect(() => llmSettings(input, flags({ deadline: 60_000, rpm: 10 }), [], {})).toThrow(/Batch API/)
    expect(() => llmSettings(input, flags({ endpoints: 'e.json' }), [], {})).toThrow(/--endpoints/)
  })
})
