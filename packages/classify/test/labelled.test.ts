import { afterAll, describe, expect, it } from 'vitest'
import { classify, type TaskKind } from '../src/index'
import { createFixture } from './tasks'

/**
 * The labelled suite: each task is classified `repeats` times in a row (5: the stability bar). A
 * clear-cut task must get its label (and its strategy, where given) every time; every task must get
 * the same kind every time; and at least 95% of all verdicts must match their labels.
 */
const repeats = 5
const options = { runs: 3, timeBudget: 4000, maxConcurrency: 4 }
const fixture = await createFixture()
const verdicts: { name: string; label: TaskKind; kinds: TaskKind[] }[] = []

afterAll(() => fixture.close())

describe('labelled suite', () => {
  it('has at least 20 tasks covering every kind', () => {
    expect(fixture.tasks.length).toBeGreaterThanOrEqual(20)
    const kinds = new Set(fixture.tasks.map((t) => t.kind))
    expect([...kinds].sort()).toEqual(['cpu', 'cpu-offloaded', 'io', 'mixed'])
  })

  for (const task of fixture.tasks) {
    it(`${task.name}: ${task.kind}${task.strategy ? ` / ${task.strategy}` : ''}`, {
      timeout: 60_000,
    }, async () => {
      const reports = []
      for (let i = 0; i < repeats; i++) reports.push(await classify(task.fn, options))
      const kinds = reports.map((r) => r.kind)
      const strategies = reports.map((r) => r.recommendation.strategy)
      verdicts.push({ name: task.name, label: task.kind, kinds })
      expect(new Set(kinds).size, `kinds over ${repeats} runs: ${kinds.join(', ')}`).toBe(1)
      if (task.clearCut) {
        expect(kinds).toEqual(Array(repeats).fill(task.kind))
        if (task.strategy) expect(strategies).toEqual(Array(repeats).fill(task.strategy))
      }
    })
  }

  it('classifies at least 95% of all runs as labelled', () => {
    expect(verdicts.length).toBe(fixture.tasks.length)
    const all = verdicts.flatMap((v) => v.kinds.map((k) => k === v.label))
    const share = all.filter(Boolean).length / all.length
    expect(share).toBeGreaterThanOrEqual(0.95)
  })
})
