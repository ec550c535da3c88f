import { afterAll, describe, expect, it } from 'vitest'
import { classify, type TaskKind } from '../src/index'
import { createFixture } from './tasks'

/**
 * The labelled suite: each task is classified `repeats` times in a row (5: the stability bar). A
 * verdict may say it is uncertain (its samples split: the task lies near a threshold, or the shared
 * machine changed pace mid-run), but a certain one must never flip: every certain verdict of a task
 * gives the same kind, and for a clear-cut task its label (and its strategy, where given). At least
 * 95% of all verdicts must match their labels, and at least 80% must be certain.
 */
const repeats = 5
// A budget with room to spare: a classification that runs out of it fails (ERR_TIMEOUT), and this
// suite runs beside the others on a shared machine.
const options = { runs: 3, timeBudget: 8000, maxConcurrency: 4 }
const fixture = await createFixture()
const verdicts: { name: string; label: TaskKind; kinds: TaskKind[]; certain: boolean[] }[] = []

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
      const certain = reports.filter((r) => r.certainty.certain)
      verdicts.push({
        name: task.name,
        label: task.kind,
        kinds,
        certain: reports.map((r) => r.certainty.certain),
      })
      const seen = reports
        .map(
          (r) =>
            `${r.kind}/${r.recommendation.strategy}${r.certainty.certain ? '' : ` (uncertain: ${r.certainty.doubts.join(' ')})`}`,
        )
        .join('; ')
      expect(new Set(certain.map((r) => r.kind)).size, seen).toBeLessThanOrEqual(1)
      if (task.clearCut) {
        for (const r of certain) {
          expect(r.kind, seen).toBe(task.kind)
          if (task.strategy) expect(r.recommendation.strategy, seen).toBe(task.strategy)
        }
      }
    })
  }

  it('classifies at least 95% of all runs as labelled', () => {
    expect(verdicts.length).toBe(fixture.tasks.length)
    const all = verdicts.flatMap((v) => v.kinds.map((k) => k === v.label))
    const share = all.filter(Boolean).length / all.length
    expect(share).toBeGreaterThanOrEqual(0.95)
    const certain = verdicts.flatMap((v) => v.certain)
    expect(certain.filter(Boolean).length / certain.length).toBeGreaterThanOrEqual(0.8)
  })
})
