import { describe, expect, it } from 'vitest'
import { Ledger } from './ledger'
import { PriceBook, worstTokens } from './prices'

describe('PriceBook', () => {
  it("prices a model from the table, its cached prompt tokens at the cache's price", () => {
    const prices = new PriceBook(undefined, 'https://api.openai.com/v1')
    // gpt-4o-mini: $0.15 per 1M input, $0.075 cached, $0.60 output.
    expect(prices.cost({ prompt: 1e6, completion: 1e6 }, 'gpt-4o-mini')).toBeCloseTo(0.75, 9)
    expect(prices.cost({ prompt: 1e6, cached: 5e5, completion: 0 }, 'gpt-4o-mini')).toBeCloseTo(0.1125, 9)
    expect(prices.rates('gpt-4o-mini')).toEqual({
      input: 0.15,
      output: 0.6,
      cachedInput: 0.075,
      cacheWrite: 0.15,
    })
  })

  it('says once of a model it cannot price; --price prices every model, its cached part too', () => {
    const unknown: string[] = []
    const table = new PriceBook(undefined, 'http://127.0.0.1:9/v1', (model) => unknown.push(model))
    expect(table.cost({ prompt: 10, completion: 10 }, 'no-such-model')).toBeUndefined()
    expect(table.rates('no-such-model')).toBeUndefined()
    expect(unknown).toEqual(['no-such-model'])
    const fixed = new PriceBook({ input: 1, output: 2, cachedInput: 0.5 }, 'http://127.0.0.1:9/v1')
    expect(fixed.cost({ prompt: 1e6, cached: 1e6, completion: 1e6 }, 'no-such-model')).toBeCloseTo(2.5, 9)
  })

  it("prices Anthropic's cache reads and writes apart, from the table or --price", () => {
    // claude-haiku-4-5: $1 per 1M input, $1.25 written to the cache, $0.10 read from it, $5 output.
    const body = {
      model: 'claude-haiku-4-5',
      usage: {
        input_tokens: 20,
        cache_creation_input_tokens: 1000,
        cache_read_input_tokens: 3000,
        output_tokens: 50,
      },
    }
    const table = new Ledger(new PriceBook(undefined, 'https://api.anthropic.com'))
    table.add(body, undefined)
    expect(table.run).toMatchObject({ prompt: 4020, cached: 3000, completion: 50 })
    expect(table.run.costUsd).toBeCloseTo((20 * 1 + 1000 * 1.25 + 3000 * 0.1 + 50 * 5) / 1e6, 12)
    const fixed = new PriceBook({ input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 }, '')
    expect(
      fixed.cost({ prompt: 4020, cached: 3000, cacheWrite: 1000, completion: 50 }, undefined),
    ).toBeCloseTo(0.00182, 12)
    // --max-cost's worst case of a request that asks for caching: its whole prompt written to the cache.
    const asks = JSON.stringify({
      system: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }],
    })
    expect(fixed.cost(worstTokens(1000, 50, asks), undefined)).toBeCloseTo((1000 * 1.25 + 50 * 5) / 1e6, 12)
    expect(fixed.cost(worstTokens(1000, 50, '{}'), undefined)).toBeCloseTo((1000 + 50 * 5) / 1e6, 12)
    // Without cache-write=, a cache write costs the input price.
    expect(
      new PriceBook({ input: 1, output: 5 }, '').cost(
        { prompt: 1000, cacheWrite: 1000, completion: 0 },
        undefined,
      ),
    ).toBeCloseTo(0.001, 12)
  })
})

describe('Ledger', () => {
  const answer = (total: number) => ({
    model: 'gpt-4o-mini',
    usage: { prompt_tokens: total, completion_tokens: 0 },
  })

  it("counts the busiest minute's tokens, not a burst scaled to a minute", () => {
    const ledger = new Ledger(new PriceBook(undefined, 'https://api.openai.com/v1'))
    // 300 answers of 100 tokens within 5 s: 30,000 tokens, never 360,000 "a minute".
    for (let i = 0; i < 300; i++) ledger.add(answer(100), undefined, i * 16)
    expect(ledger.peakPerMinute).toBe(30_000)
    // A minute later the window holds only what came since.
    ledger.add(answer(50), undefined, 70_000)
    expect(ledger.perMinute(70_000)).toBe(50)
    expect(ledger.peakPerMinute).toBe(30_000)
  })

  it('adds the lines the output held before the run to the whole file', () => {
    const ledger = new Ledger(new PriceBook({ input: 1, output: 1 }, ''))
    ledger.addPrior({ custom_id: 'a', response: { body: answer(1000) } })
    ledger.addPrior({ custom_id: 'b', response: null, error: { code: 'x' } })
    ledger.add(answer(500), undefined)
    expect(ledger.file).toMatchObject({ answers: 2, total: 1500, costUsd: 0.0015 })
    expect(ledger.run).toMatchObject({ answers: 1, total: 500 })
  })
})
