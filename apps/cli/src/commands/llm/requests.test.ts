import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { describe, expect, it } from 'vitest'
import { llmKeys, requestsOf, requestTokens, requestUrl } from './requests'
import { llmSettings, parseBaseUrl, parseLlmConcurrency, parsePrice } from './settings'
import { fillTemplate } from './template'

describe('requestUrl', () => {
  it.each([
    ['https://api.openai.com/v1', '/v1/chat/completions', 'https://api.openai.com/v1/chat/completions'],
    ['https://api.openai.com/v1', '/v1/embeddings', 'https://api.openai.com/v1/embeddings'],
    ['http://127.0.0.1:8000', '/v1/responses', 'http://127.0.0.1:8000/v1/responses'],
    ['http://proxy/openai/v1', '/v1/chat/completions', 'http://proxy/openai/v1/chat/completions'],
    ['http://host/v1', '/chat/completions', 'http://host/v1/chat/completions'],
    ['http://host/v1?api-version=1', '/v1/chat/completions', 'http://host/v1/chat/completions?api-version=1'],
    ['http://host/v1', '/v1/a/../embeddings', 'http://host/v1/embeddings'],
  ])('%s + %s', (base, path, url) => {
    expect(requestUrl(base, path)).toEqual({ url })
  })

  it.each([
    ['http://host/v1', '/../../../etc'],
    ['http://host/v1', '/v1/../../admin'],
    ['http://host/openai/v1', '/%2e%2e/%2e%2e/secret'],
    ['http://host/openai/v1', '/v1/..%2f..%2fx/../../..'],
    ['http://host/v1', '/chat#frag'],
  ])('refuses %s + %s: the path leaves the base path', (base, path) => {
    expect(requestUrl(base, path)).toEqual({ reason: expect.stringContaining('a path under --base-url') })
  })
})

describe('fillTemplate', () => {
  it('fills dotted paths, joins arrays with newlines, writes objects as JSON', () => {
    const record = { q: 'Why?', ctx: ['a', 'b'], meta: { lang: 'en', tags: { x: 1 } } }
    expect(fillTemplate('{{q}}|{{ ctx }}|{{meta.lang}}|{{meta.tags}}', record)).toEqual({
      text: 'Why?|a\nb|en|{"x":1}',
    })
  })

  it('names the missing fields', () => {
    expect(fillTemplate('{{q}} {{a.b}} {{c}}', { q: 1, c: null })).toEqual({
      reason: 'fields "a.b", "c" of --template missing',
    })
  })
})

describe('the llm input', () => {
  const settings = (extra: Record<string, string>) =>
    llmSettings(
      'in.jsonl',
      {
        out: 'o',
        baseUrl: parseBaseUrl('http://h/v1/'),
        concurrency: 'auto',
        maxAttempts: 3,
        timeout: 1000,
        maxResponseBytes: 2 ** 20,
        ...extra,
      },
      [],
      {},
    )

  it('keys a Batch API line by custom_id and refuses one that is not a request', () => {
    const keys = llmKeys(requestsOf(settings({}), undefined))
    const body = { model: 'm', messages: [] }
    expect(keys.of({ custom_id: 'a', method: 'POST', url: '/v1/embeddings', body }, 1)).toEqual({ key: 'a' })
    expect(keys.of({ custom_id: 'a', method: 'GET', url: '/v1/x', body }, 1)).toMatchObject({
      reason: expect.stringContaining('"method"'),
    })
    expect(keys.of({ custom_id: 7, method: 'POST', url: '/v1/x', body }, 1)).toMatchObject({
      reason: expect.stringContaining('custom_id'),
    })
    expect(keys.readBack(3)).toContain('not a string')
  })

  it('builds a chat request from a template, keyed by --key or the line number', () => {
    const byKey = requestsOf(settings({ template: 't.md', model: 'gpt', key: 'a.id' }), 'Q: {{q}}')
    expect(byKey({ a: { id: 9 }, q: 'why' }, 4)).toEqual({
      customId: '9',
      path: '/v1/chat/completions',
      url: 'http://h/v1/chat/completions',
      body: { model: 'gpt', messages: [{ role: 'user', content: 'Q: why' }] },
    })
    expect(requestsOf(settings({ template: 't.md', model: 'gpt' }), 'Q: {{q}}')({ q: 'x' }, 4)).toMatchObject(
      { customId: '4' },
    )
  })

  it('estimates chat bodies with max_tokens and other bodies from their input, by the tokenizer and by characters', () => {
    const chat = {
      path: '/v1/chat/completions',
      body: { messages: [{ role: 'user', content: 'hello there, world' }], max_tokens: 100 },
    }
    // 2 + 4 per message + 'hello there, world' (4 tokens in o200k, 18 characters: ceil(18 / 4) = 5); then max_tokens.
    expect(requestTokens(chat, countTokens)).toEqual({
      prompt: 2 + 4 + 4,
      charged: 2 + 4 + 5,
      completion: 100,
    })
    expect(requestTokens({ ...chat, body: { ...chat.body, n: 2 } }, countTokens)).toEqual({
      prompt: 10,
      charged: 11,
      completion: 200,
    })
    expect(requestTokens({ ...chat, body: { messages: [] } }, countTokens)).toEqual({
      prompt: 2,
      charged: 2,
      completion: undefined,
    })
    // 'The sky is blue.': 5 tokens, 16 characters.
    const responses = { path: '/v1/responses', body: { input: 'The sky is blue.', max_output_tokens: 7 } }
    expect(requestTokens(responses, countTokens)).toEqual({ prompt: 5, charged: 4, completion: 7 })
    expect(
      requestTokens({ path: '/v1/embeddings', body: { input: 'The sky is blue.' } }, countTokens),
    ).toEqual({
      prompt: 5,
      charged: 4,
      completion: 0,
    })
  })
})

describe('llm options', () => {
  const base = {
    out: 'o',
    baseUrl: 'https://api.openai.com/v1',
    concurrency: 'auto' as const,
    maxAttempts: 3,
    timeout: 1000,
    maxResponseBytes: 2 ** 20,
  }

  it('sends the key as Bearer, or as api-key with --azure, and never puts it in an error', () => {
    expect(llmSettings('i', base, [], { OPENAI_API_KEY: 'sk-1' }).headers).toEqual({
      authorization: 'Bearer sk-1',
    })
    expect(llmSettings('i', { ...base, azure: true }, [], { OPENAI_API_KEY: 'sk-1' }).headers).toEqual({
      'api-key': 'sk-1',
    })
    expect(llmSettings('i', base, [], {}).headers).toEqual({})
    expect(() => llmSettings('i', base, [], { OPENAI_API_KEY: 'sk-\nsecret' })).toThrow(
      /^(?!.*secret).*OPENAI_API_KEY/,
    )
    expect(() => llmSettings('i', { ...base, apiKeyEnv: 'MY_KEY' }, [], {})).toThrow(
      'MY_KEY (--api-key-env) is not set',
    )
  })

  it('checks --template with --model, --concurrency and --price', () => {
    expect(() => llmSettings('i', { ...base, template: 't' }, [], {})).toThrow('--template and --model')
    expect(() => parseLlmConcurrency('lots')).toThrow('--concurrency')
    expect(parseLlmConcurrency(' auto ')).toBe('auto')
    expect(parsePrice('in=0.15,out=0.6')).toEqual({ input: 0.15, output: 0.6 })
    expect(parsePrice('in=1,out=5,cached=0.1,cache-write=1.25')).toEqual({
      input: 1,
      output: 5,
      cachedInput: 0.1,
      cacheWrite: 1.25,
    })
    expect(() => parsePrice('in=1,out=5,cache-write=-1')).toThrow('--price')
    expect(() => parsePrice('in=1')).toThrow('--price')
  })
})
