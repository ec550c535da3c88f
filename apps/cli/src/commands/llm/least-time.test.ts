import { describe, expect, it } from 'vitest'
import { leastTime } from './least-time'

describe('leastTime: the floor of a run’s ETA', () => {
  const average = { prompt: 300, charged: 300, completion: 100 }

  it('is what the binding limit still allows: requests, or prompts and max_tokens against --tpm', () => {
    expect(leastTime({ rpm: 60 }, 30, average)).toBe(30_000)
    // 30 requests of 400 tokens: 12,000 tokens at 6,000 a minute.
    expect(leastTime({ rpm: 60, tpm: 6000 }, 30, average)).toBe(120_000)
    expect(leastTime({}, 30, average)).toBe(0)
  })

  it("counts Anthropic's input and output tokens per minute apart", () => {
    // 30 requests: 9,000 prompt tokens at 3,000 a minute, 3,000 max_tokens at 600 a minute.
    expect(leastTime({ rpm: 600, itpm: 3000 }, 30, average)).toBe(180_000)
    expect(leastTime({ rpm: 600, itpm: 3000, otpm: 600 }, 30, average)).toBe(300_000)
  })
})
