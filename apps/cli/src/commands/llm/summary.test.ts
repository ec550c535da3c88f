import { describe, expect, it } from 'vitest'
import { type LlmSummaryFields, llmDetails } from './summary'

describe('llmDetails', () => {
  it('says per endpoint its drains and what its 401, 403 and 404 answers took it out of', () => {
    const endpoint = { tokens: 0, rateLimited: 0, costUsd: null, drains: 0, drained: false }
    const fields = {
      tokens: { prompt: 0, cached: 0, completion: 0, total: 0 },
      costUsd: null,
      unpriced: 0,
      answers: 0,
      file: {
        answers: 0,
        tokens: { prompt: 0, cached: 0, completion: 0, total: 0 },
        costUsd: null,
        unpriced: 0,
      },
      maxCostUsd: null,
      usageIgnored: 0,
      requestsPerSecond: 0,
      tokensPerMinute: 0,
      limits: { rpm: null, tpm: null },
      concurrency: 4,
      endpoints: [
        { ...endpoint, name: 'ok', requests: 5, refused: 0, takenOut: [] },
        { ...endpoint, name: 'revoked', requests: 3, refused: 3, takenOut: [{ status: 401, model: null }] },
        {
          ...endpoint,
          name: 'partial',
          requests: 9,
          drains: 1,
          refused: 2,
          takenOut: [
            { status: 404, model: 'gpt-4o' },
            { status: 403, model: 'o1' },
          ],
        },
      ],
    } as unknown as LlmSummaryFields
    const lines = llmDetails(fields, 1000).filter((line) => line.startsWith('endpoint '))
    expect(lines).toEqual([
      'endpoint ok: 5 requests, 0 tokens, 429s: 0, cost no price',
      'endpoint revoked: 3 requests, 0 tokens, 429s: 0, cost no price; refused 3, taken out for every model (401)',
      'endpoint partial: 9 requests, 0 tokens, 429s: 0, cost no price; drained 1 time; refused 2, taken out for gpt-4o (404), o1 (403)',
    ])
  })
})
